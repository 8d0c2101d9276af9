"""Moderator tools without Discord: input checks, the prompt import/export format and audit formatting."""
