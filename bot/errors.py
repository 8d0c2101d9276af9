"""Typed errors that the command tree renders as one ephemeral sentence."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(app_commands.AppCommandError):
    """An expected failure (bad input, missing configuration); its message is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(UserFacingError):
    """An option value that cannot be accepted; nothing was stored."""


class NotModerator(app_commands.CheckFailure):
    """The member has neither Manage Server nor the configured moderator role."""
