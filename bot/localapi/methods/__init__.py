"""Bot API method handlers, registered by name in ``METHODS``.

Importing the modules below is what registers their methods.
"""

from . import media, messages, profile, updates  # noqa: F401  (registration side effect)
from .common import METHODS, Call, Described, Method

__all__ = ["METHODS", "Call", "Described", "Method"]
