"""Who a message would actually notify, given its content, ``allowed_mentions`` and the author's rights.

Discord's rules (api:resources/message §Allowed Mentions, DISCORD_LIMITS.md §6):

* Without ``allowed_mentions`` the API default applies: regular messages parse users, roles and everyone;
  interaction responses and webhooks parse users only.
* With ``allowed_mentions``, only what ``parse`` lists or the explicit ``users``/``roles`` ids (that also
  appear in the content) are mentioned; ``replied_user`` controls the reply ping.
* A role notifies only if it is mentionable or the author has MENTION_EVERYONE; ``@everyone``/``@here``
  always need MENTION_EVERYONE. Embeds never notify.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

USER_RE = re.compile(r"<@!?(\d{15,21})>")
ROLE_RE = re.compile(r"<@&(\d{15,21})>")
EVERYONE_RE = re.compile(r"@(everyone|here)")


@dataclass(slots=True)
class MentionResult:
    """``scope`` is what allowed_mentions permits (ignoring permissions); ``pings`` who is notified."""

    users: list[int] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)
    everyone: bool = False
    scope_users: list[int] = field(default_factory=list)
    scope_roles: list[int] = field(default_factory=list)
    scope_everyone: bool = False

    @property
    def pings(self) -> dict[str, Any]:
        return {"everyone": self.everyone, "roles": list(self.roles), "users": list(self.users)}

    @property
    def scope(self) -> dict[str, Any]:
        return {"everyone": self.scope_everyone, "roles": list(self.scope_roles), "users": list(self.scope_users)}


def _unique(values: Iterable[int]) -> list[int]:
    seen: dict[int, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def compute_mentions(
    content: str | None,
    allowed_mentions: dict[str, Any] | None,
    *,
    webhook_like: bool,
    can_mention_everyone: bool,
    role_is_mentionable: Callable[[int], bool | None],
    user_exists: Callable[[int], bool],
    replied_user_id: int | None = None,
    author_id: int | None = None,
) -> MentionResult:
    """Compute pings for one message.

    ``role_is_mentionable(id)`` returns None for an unknown role (never notifies). ``webhook_like`` selects
    the interaction/webhook default (users only) when ``allowed_mentions`` is absent.
    """
    text = content or ""
    found_users = _unique(int(m) for m in USER_RE.findall(text))
    found_roles = _unique(int(m) for m in ROLE_RE.findall(text))
    found_everyone = bool(EVERYONE_RE.search(text))

    if allowed_mentions is None:
        parse = {"users"} if webhook_like else {"users", "roles", "everyone"}
        explicit_users: set[int] = set()
        explicit_roles: set[int] = set()
        replied = False
    else:
        parse = set(allowed_mentions.get("parse") or [])
        explicit_users = {int(u) for u in allowed_mentions.get("users") or []}
        explicit_roles = {int(r) for r in allowed_mentions.get("roles") or []}
        replied = bool(allowed_mentions.get("replied_user", False))

    result = MentionResult()
    result.scope_users = [u for u in found_users if "users" in parse or u in explicit_users]
    result.scope_roles = [r for r in found_roles if "roles" in parse or r in explicit_roles]
    result.scope_everyone = found_everyone and "everyone" in parse
    if replied and replied_user_id is not None and replied_user_id not in result.scope_users:
        result.scope_users.append(replied_user_id)

    result.users = [u for u in result.scope_users if user_exists(u) and u != author_id]
    result.roles = [r for r in result.scope_roles if (role_is_mentionable(r) or can_mention_everyone)]
    result.roles = [r for r in result.roles if role_is_mentionable(r) is not None]
    result.everyone = result.scope_everyone and can_mention_everyone
    return result
