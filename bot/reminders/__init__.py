"""Reminders: when a reminder may be delivered (delivery windows, Swedish holidays, quiet hours, weekly caps)."""
