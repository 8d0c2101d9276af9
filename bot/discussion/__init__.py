"""The daily discussion: the prompt pool, the daily poster and the reply logger (SPEC §6, §7)."""
