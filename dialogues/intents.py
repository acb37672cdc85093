"""The NLU's intents as the dialogues see them: which are global, and how each is named to a user.

The intent names are fixed by `nlu/domain.yml`; a test checks that every intent there has a label here.
"""

from __future__ import annotations

from bot.i18n import N_

# Requests that work from anywhere, also in the middle of another dialogue, which can then be resumed.
GLOBAL = frozenset({"help", "stop_reminders", "resume_reminders", "change_language", "privacy_info",
                    "delete_my_data", "talk_to_human"})

# Intents whose entities matter ("byt språk till engelska"): a keyword match still asks the NLU for them.
NEEDS_ENTITIES = frozenset({"change_language"})

# Intents that are not a request for something: never offered as a guess ("did you mean ...?").
CHATTER = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "out_of_scope"})

# How an intent is named on a button when the bot asks which one was meant.
LABELS = {
    "greet": N_("Say hello"),
    "goodbye": N_("Say goodbye"),
    "thanks": N_("Say thanks"),
    "help": N_("Help"),
    "affirm": N_("Yes"),
    "deny": N_("No"),
    "bot_challenge": N_("Ask who I am"),
    "out_of_scope": N_("Something else"),
    "start_assessment": N_("Check what I know"),
    "show_results": N_("See my results"),
    "find_course": N_("Find a course"),
    "sign_up": N_("Sign up for a course"),
    "my_courses": N_("My courses"),
    "cancel_signup": N_("Cancel a sign-up"),
    "change_language": N_("Change language"),
    "stop_reminders": N_("Stop reminders"),
    "resume_reminders": N_("Turn reminders back on"),
    "privacy_info": N_("Privacy and my data"),
    "delete_my_data": N_("Delete my data"),
    "team_summary": N_("My team's summary"),
    "broadcast_offer": N_("Send a course offer"),
    "project_stats": N_("Project figures"),
    "talk_to_human": N_("Talk to a person"),
}
