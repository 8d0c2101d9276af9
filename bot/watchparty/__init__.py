"""Watch parties (SPEC §11): a scheduled event for the film, a reminder, and prompts paced across the runtime."""

from bot.watchparty.service import WatchParties
from bot.watchparty.timing import WatchInputError

__all__ = ["WatchInputError", "WatchParties"]
