"""Turning a test's ``invoke("group sub", options={...})`` into Discord's interaction ``data``.

Commands must have been synced (PUT) to the guild or globally; option values are checked against the
registered option types, choices and bounds the way the Discord client enforces them, and failures raise
:class:`~bot.emulator.core.EmulatorError` with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import permissions as P
from .core import EmulatorError
from .models import JSON, Channel, Guild, Member, Role, StoredAttachment, User

if TYPE_CHECKING:
    from .server import DiscordEmulator

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11
TYPE_NAMES = {
    1: "SUB_COMMAND",
    2: "SUB_COMMAND_GROUP",
    3: "STRING",
    4: "INTEGER",
    5: "BOOLEAN",
    6: "USER",
    7: "CHANNEL",
    8: "ROLE",
    9: "MENTIONABLE",
    10: "NUMBER",
    11: "ATTACHMENT",
}


@dataclass
class ResolvedCommand:
    """A registered command resolved from a path like ``"log export"``."""

    command: JSON
    guild_scoped: bool
    path: list[str]
    leaf: JSON
    wrappers: list[JSON] = field(default_factory=list)


def find_command(emu: DiscordEmulator, guild: Guild, path: str, *, command_type: int = 1) -> ResolvedCommand:
    """Look the command up like Discord: guild commands first, then global ones."""
    parts = path.split()
    if not parts:
        raise EmulatorError("empty command path")
    name = parts[0].lstrip("/")
    cmd, guild_scoped = registered_command(emu, guild, name, command_type=command_type)
    return _walk(cmd, guild_scoped, [name, *parts[1:]])


def registered_command(emu: DiscordEmulator, guild: Guild, name: str, *, command_type: int = 1) -> tuple[JSON, bool]:
    """The top-level command `name` as registered (guild commands first, then global) and whether it is a guild's."""
    scopes = [(emu.guild_commands.get(guild.id, []), True), (emu.global_commands, False)]
    for commands, guild_scoped in scopes:
        for cmd in commands:
            if cmd["name"] == name and cmd.get("type", 1) == command_type:
                return cmd, guild_scoped
    known = sorted({c["name"] for c in emu.guild_commands.get(guild.id, [])} | {c["name"] for c in emu.global_commands})
    raise EmulatorError(
        f"/{name} is not registered for guild {guild.name!r} or globally "
        f"(did the bot sync its command tree?); registered: {known}"
    )


def _walk(cmd: JSON, guild_scoped: bool, parts: list[str]) -> ResolvedCommand:
    node = cmd
    wrappers: list[JSON] = []
    for part in parts[1:]:
        subs = [o for o in node.get("options") or [] if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        match = next((o for o in subs if o["name"] == part), None)
        if match is None:
            raise EmulatorError(
                f"/{' '.join(parts)}: {part!r} is not a subcommand of {node['name']!r}; has {[o['name'] for o in subs]}"
            )
        wrappers.append(match)
        node = match
    leftover = [o for o in node.get("options") or [] if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if leftover:
        raise EmulatorError(
            f"/{' '.join(parts)} cannot be invoked directly; choose one of {[o['name'] for o in leftover]}"
        )
    return ResolvedCommand(command=cmd, guild_scoped=guild_scoped, path=parts, leaf=node, wrappers=wrappers)


# Application command permission overrides (Server Settings → Integrations), as Discord stores them.
OVERRIDE_ROLE = 1
OVERRIDE_USER = 2
OVERRIDE_CHANNEL = 3


def command_allowed(emu: DiscordEmulator, guild: Guild, member: Member, command: JSON, channel_id: int) -> bool:
    """Whether Discord shows `command` to `member` in that channel (and so delivers its interactions).

    Permissions v2: administrators (and the owner) use every command; otherwise an admin's override for
    the command (Server Settings → Integrations), else for the whole application, decides; without any,
    ``default_member_permissions`` does. User overrides beat role overrides, which beat the @everyone
    one; an allowed role wins over a denied one; a channel denied to the command hides it there.
    """
    perms = emu.guild_permissions(guild, member)
    if perms & P.ADMINISTRATOR:
        return True
    for target in (int(command["id"]), emu.application_id):
        overrides = emu.command_permissions.get((guild.id, target), [])
        channels = {int(o["id"]): bool(o["permission"]) for o in overrides if o["type"] == OVERRIDE_CHANNEL}
        channel_verdict = channels.get(channel_id, channels.get(guild.id - 1))
        if channel_verdict is False:
            return False
        verdict = _member_verdict(guild, member, overrides)
        if verdict is not None:
            return verdict
    raw = command.get("default_member_permissions")
    if raw is None:
        return True
    required = int(raw)
    return required != 0 and P.has(perms, required)


def _member_verdict(guild: Guild, member: Member, overrides: list[JSON]) -> bool | None:
    """The overrides' word on this member: their user override, else their roles', else @everyone's."""
    users = {int(o["id"]): bool(o["permission"]) for o in overrides if o["type"] == OVERRIDE_USER}
    if member.id in users:
        return users[member.id]
    roles = {int(o["id"]): bool(o["permission"]) for o in overrides if o["type"] == OVERRIDE_ROLE}
    mine = [roles[r] for r in member.roles if r in roles]
    if mine:
        return any(mine)
    return roles.get(guild.id)  # the @everyone role has the guild's id


def check_default_permissions(
    emu: DiscordEmulator, resolved: ResolvedCommand, guild: Guild, member: Member, channel_id: int
) -> None:
    """Discord hides commands the member may not use; their interactions are never sent."""
    if command_allowed(emu, guild, member, resolved.command, channel_id):
        return
    raise EmulatorError(
        f"Discord would not show /{resolved.command['name']} to {member.user.username} "
        f"(default_member_permissions={resolved.command.get('default_member_permissions')}, member has "
        f"{emu.guild_permissions(guild, member)}, no override allows them); give a role access with "
        "set_command_permissions, or pass bypass_default_permissions=True to test the bot's own check"
    )


class OptionBuilder:
    """Builds typed option payloads and the ``resolved`` map for one interaction."""

    def __init__(self, emu: DiscordEmulator, guild: Guild, channel: Channel, invoker: Member) -> None:
        self.emu = emu
        self.guild = guild
        self.channel = channel
        self.invoker = invoker
        self.resolved: dict[str, dict[str, JSON]] = {}

    def build(
        self, resolved: ResolvedCommand, options: dict[str, Any], *, focused: str | None = None, focused_value: str = ""
    ) -> tuple[list[JSON], int | None]:
        """(nested options, type of the focused option)."""
        leaf = resolved.leaf
        defs = {o["name"]: o for o in leaf.get("options") or []}
        where = "/" + " ".join(resolved.path)
        out: list[JSON] = []
        focused_type: int | None = None
        for name, value in options.items():
            spec = defs.get(name)
            if spec is None:
                raise EmulatorError(f"{where}: unknown option {name!r}; options are {list(defs)}")
            if name == focused:
                continue
            out.append({"name": name, "type": spec["type"], "value": self.convert(where, spec, value)})
        if focused is not None:
            spec = defs.get(focused)
            if spec is None:
                raise EmulatorError(f"{where}: unknown focused option {focused!r}; options are {list(defs)}")
            if not spec.get("autocomplete"):
                raise EmulatorError(f"{where}: option {focused!r} has no autocomplete")
            focused_type = spec["type"]
            out.append({"name": focused, "type": spec["type"], "value": str(focused_value), "focused": True})
        else:
            missing = [n for n, s in defs.items() if s.get("required") and n not in options]
            if missing:
                raise EmulatorError(f"{where}: required option(s) {missing} missing")
        nested = out
        for wrapper in reversed(resolved.wrappers):
            nested = [{"name": wrapper["name"], "type": wrapper["type"], "options": nested}]
        return nested, focused_type

    def _add(self, kind: str, key: int, payload: JSON) -> None:
        self.resolved.setdefault(kind, {})[str(key)] = payload

    def convert(self, where: str, spec: JSON, value: Any) -> Any:
        otype = spec["type"]
        name = spec["name"]
        label = f"{where}: option {name!r} ({TYPE_NAMES.get(otype, otype)})"
        if otype == STRING:
            if not isinstance(value, str):
                raise EmulatorError(f"{label} needs a str, got {value!r}")
            if spec.get("min_length") is not None and len(value) < spec["min_length"]:
                raise EmulatorError(f"{label}: {value!r} is shorter than min_length {spec['min_length']}")
            if spec.get("max_length") is not None and len(value) > spec["max_length"]:
                raise EmulatorError(f"{label}: {value!r} is longer than max_length {spec['max_length']}")
            self._check_choice(label, spec, value)
            return value
        if otype == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise EmulatorError(f"{label} needs an int, got {value!r}")
            self._check_range(label, spec, value)
            self._check_choice(label, spec, value)
            return value
        if otype == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EmulatorError(f"{label} needs a number, got {value!r}")
            self._check_range(label, spec, value)
            self._check_choice(label, spec, value)
            return value
        if otype == BOOLEAN:
            if not isinstance(value, bool):
                raise EmulatorError(f"{label} needs a bool, got {value!r}")
            return value
        if (
            otype == MENTIONABLE
            and isinstance(value, int)
            and not isinstance(value, bool)
            and value not in self.guild.roles
        ):
            return str(self._resolve_user(label, value))
        if (otype in (USER, MENTIONABLE) and isinstance(value, User | Member)) or (
            otype == USER and isinstance(value, int) and not isinstance(value, bool)
        ):
            return str(self._resolve_user(label, value))
        if otype in (ROLE, MENTIONABLE) and isinstance(value, Role | int) and not isinstance(value, bool):
            rid = value if isinstance(value, int) else value.id
            role = self.guild.roles.get(rid)
            if role is None:
                raise EmulatorError(f"{label}: role {rid} is not in guild {self.guild.name!r}")
            self._add("roles", role.id, role.to_payload())
            return str(role.id)
        if otype == CHANNEL and isinstance(value, Channel | int) and not isinstance(value, bool):
            ch = self.emu.get_channel(value)
            if ch.guild_id != self.guild.id:
                raise EmulatorError(f"{label}: channel {ch.name!r} is in another guild")
            allowed = spec.get("channel_types")
            if allowed and ch.type not in allowed:
                raise EmulatorError(f"{label}: channel type {ch.type} not in channel_types {allowed}")
            data = ch.to_payload()
            data["permissions"] = str(self.emu.permissions_for(self.invoker, ch))
            self._add("channels", ch.id, data)
            return str(ch.id)
        if otype == ATTACHMENT and isinstance(value, StoredAttachment):
            self._add("attachments", value.id, value.to_payload())
            return str(value.id)
        raise EmulatorError(f"{label}: value {value!r} has the wrong type")

    def _resolve_user(self, label: str, value: User | Member | int) -> int:
        user = self.emu.get_user(value)
        self._add("users", user.id, user.to_payload())
        member = self.guild.members.get(user.id)
        if member is not None:
            data = member.to_payload(with_user=False)
            channel_perms = self.emu.permissions_for(member, self.channel)
            data["permissions"] = str(channel_perms)
            self._add("members", user.id, data)
        return user.id

    @staticmethod
    def _check_range(label: str, spec: JSON, value: float) -> None:
        lo, hi = spec.get("min_value"), spec.get("max_value")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise EmulatorError(f"{label}: {value} is outside [{lo}, {hi}]")

    @staticmethod
    def _check_choice(label: str, spec: JSON, value: Any) -> None:
        choices = spec.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise EmulatorError(f"{label}: {value!r} is not one of the choices {[c['value'] for c in choices]}")
