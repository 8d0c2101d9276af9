"""Validation of application command bodies (bulk overwrite) against Discord's documented limits.

Names follow ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` in lowercase (``limits.is_valid_chat_input_name``),
descriptions 1–100, ≤25 options and choices, required options first, ≤8000 characters per command (the longest
localization counts), ≤100 CHAT_INPUT / 15 USER / 15 MESSAGE commands, valid locale keys in localizations.
Source: /work/shared/reference/DISCORD_LIMITS.md §2.3–2.4.
"""

from __future__ import annotations

from typing import Any

from .limits import Errors, validate_choices, validate_localizations, validate_name


def _longest(base: Any, localizations: Any) -> int:
    values = [base] if isinstance(base, str) else []
    if isinstance(localizations, dict):
        values.extend(v for v in localizations.values() if isinstance(v, str))
    return max((len(v) for v in values), default=0)


def _command_size(node: dict[str, Any]) -> int:
    size = _longest(node.get("name"), node.get("name_localizations"))
    size += _longest(node.get("description"), node.get("description_localizations"))
    for choice in node.get("choices") or []:
        if isinstance(choice, dict):
            size += _longest(choice.get("name"), choice.get("name_localizations"))
            value = choice.get("value")
            size += len(str(value)) if value is not None else 0
    for option in node.get("options") or []:
        if isinstance(option, dict):
            size += _command_size(option)
    return size


_OPTION_TYPES = range(1, 12)


def _validate_options(errs: Errors, path: tuple[str | int, ...], options: Any, *, depth: int) -> None:
    items = errs.array(path, options, max_items=25)
    names: set[str] = set()
    seen_optional = False
    kinds = set()
    for i, raw in enumerate(items):
        p = (*path, i)
        opt = errs.obj(p, raw)
        otype = opt.get("type")
        if otype not in _OPTION_TYPES:
            errs.add((*p, "type"), "BASE_TYPE_CHOICES", "Invalid option type", f"is {otype!r}, must be 1-11")
            continue
        validate_name(errs, (*p, "name"), opt.get("name"), chat_input=True)
        errs.string((*p, "description"), opt.get("description"), min_len=1, max_len=100, required=True)
        validate_localizations(errs, (*p, "name_localizations"), opt.get("name_localizations"), kind="name")
        validate_localizations(
            errs, (*p, "description_localizations"), opt.get("description_localizations"), kind="description"
        )
        name = opt.get("name")
        if isinstance(name, str):
            if name in names:
                errs.add(
                    (*p, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                    f"duplicate option name {name!r}",
                )
            names.add(name)
        is_sub = otype in (1, 2)
        kinds.add(is_sub)
        if is_sub:
            if otype == 2 and depth != 0:
                errs.add(
                    (*p, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Subcommand groups can only be top-level",
                    "a subcommand group can only sit directly under the command",
                )
            if otype == 1 and depth > 1:
                errs.add(
                    (*p, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Subcommands nested too deep",
                    "nesting deeper than command → group → subcommand",
                )
            sub_opts = opt.get("options")
            if otype == 2:
                for k, child in enumerate(sub_opts or []):
                    if isinstance(child, dict) and child.get("type") != 1:
                        errs.add(
                            (*p, "options", k, "type"),
                            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                            "Groups may only contain subcommands",
                            "a subcommand group may only contain subcommands",
                        )
            _validate_options(errs, (*p, "options"), sub_opts, depth=depth + 1)
            for key in ("required", "choices", "autocomplete"):
                if opt.get(key):
                    errs.add(
                        (*p, key),
                        "APPLICATION_COMMAND_OPTION_INVALID",
                        f"{key} is not allowed on subcommands",
                        f"{key} is not allowed on a subcommand or group",
                    )
            continue
        required = bool(opt.get("required"))
        if required and seen_optional:
            errs.add(
                (*p, "required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
                f"required option {name!r} comes after an optional one",
            )
        if not required:
            seen_optional = True
        if opt.get("choices") is not None:
            if otype not in (3, 4, 10):
                errs.add(
                    (*p, "choices"),
                    "APPLICATION_COMMAND_OPTION_INVALID",
                    "Choices only for string, integer and number",
                    "choices are only allowed on STRING, INTEGER and NUMBER options",
                )
            validate_choices(errs, opt.get("choices"), (*p, "choices"), option_type=otype)
            if opt.get("autocomplete"):
                errs.add(
                    (*p, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be combined with choices",
                    "autocomplete cannot be combined with choices",
                )
        if opt.get("autocomplete") and otype not in (3, 4, 10):
            errs.add(
                (*p, "autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete only for string, integer and number",
                "autocomplete is only allowed on STRING, INTEGER and NUMBER options",
            )
        if otype == 3:
            errs.integer((*p, "min_length"), opt.get("min_length"), lo=0, hi=6000)
            errs.integer((*p, "max_length"), opt.get("max_length"), lo=1, hi=6000)
        if otype in (4, 10):
            bound = 2**53 if otype == 10 else 2**53 - 1
            for key in ("min_value", "max_value"):
                value = opt.get(key)
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > bound
                ):
                    errs.add(
                        (*p, key),
                        "NUMBER_TYPE_OUT_OF_RANGE",
                        "Value out of range",
                        f"is {value!r}, must be a number within ±{bound}",
                    )
        if opt.get("channel_types") is not None and otype != 7:
            errs.add(
                (*p, "channel_types"),
                "APPLICATION_COMMAND_OPTION_INVALID",
                "channel_types only for channel options",
                "channel_types is only allowed on CHANNEL options",
            )
    if len(kinds) > 1:
        errs.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other types",
            "mixes subcommands/groups with plain options",
        )


def validate_command(errs: Errors, cmd: Any, path: tuple[str | int, ...]) -> None:
    """One application command of a bulk overwrite."""
    command = errs.obj(path, cmd)
    ctype = command.get("type", 1)
    if ctype not in (1, 2, 3, 4):
        errs.add((*path, "type"), "BASE_TYPE_CHOICES", "Invalid command type", f"is {ctype!r}, must be 1-4")
        return
    chat_input = ctype == 1
    validate_name(errs, (*path, "name"), command.get("name"), chat_input=chat_input)
    validate_localizations(
        errs,
        (*path, "name_localizations"),
        command.get("name_localizations"),
        kind="name" if chat_input else "description",
    )
    if chat_input:
        errs.string((*path, "description"), command.get("description"), min_len=1, max_len=100, required=True)
        validate_localizations(
            errs, (*path, "description_localizations"), command.get("description_localizations"), kind="description"
        )
        _validate_options(errs, (*path, "options"), command.get("options"), depth=0)
        size = _command_size(command)
        if size > 8000:
            errs.add(
                path,
                "APPLICATION_COMMAND_TOO_LARGE",
                "Command exceeds maximum size (8000)",
                f"total size is {size} characters, limit 8000",
            )
    else:
        if command.get("description") not in ("", None):
            errs.add(
                (*path, "description"),
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands have an empty description",
                "must be empty for USER and MESSAGE commands",
            )
        if command.get("options"):
            errs.add(
                (*path, "options"),
                "APPLICATION_COMMAND_OPTIONS_INVALID",
                "Context menu commands have no options",
                "USER and MESSAGE commands cannot have options",
            )
    perms = command.get("default_member_permissions")
    # Documented as a string; Discord also accepts a non-negative integer, which is what discord.py 2.7 sends.
    if perms is not None and not ((isinstance(perms, str) and perms.isdigit()) or (type(perms) is int and perms >= 0)):
        errs.add(
            (*path, "default_member_permissions"),
            "BASE_TYPE_STRING",
            "Must be a permission string",
            f"must be a string of digits or null, got {perms!r}",
        )
    contexts = command.get("contexts")
    if contexts is not None:
        for i, c in enumerate(errs.array((*path, "contexts"), contexts, max_items=3)):
            if c not in (0, 1, 2):
                errs.add((*path, "contexts", i), "BASE_TYPE_CHOICES", "Invalid context", f"is {c!r}, must be 0, 1 or 2")
    integration_types = command.get("integration_types")
    if integration_types is not None:
        for i, c in enumerate(errs.array((*path, "integration_types"), integration_types, max_items=2)):
            if c not in (0, 1):
                errs.add(
                    (*path, "integration_types", i),
                    "BASE_TYPE_CHOICES",
                    "Invalid integration type",
                    f"is {c!r}, must be 0 or 1",
                )
    errs.boolean((*path, "nsfw"), command.get("nsfw"))
    errs.boolean((*path, "dm_permission"), command.get("dm_permission"))


COMMAND_CAPS = {1: 100, 2: 15, 3: 15, 4: 1}


def validate_command_list(errs: Errors, body: Any, *, guild: bool) -> None:
    """A bulk-overwrite body: per-command checks, unique (name, type), per-type caps."""
    if not isinstance(body, list):
        errs.add((), "BASE_TYPE_ARRAY", "Must be an array.", "the bulk overwrite body must be a JSON array")
        return
    counts: dict[int, int] = {}
    seen: set[tuple[Any, Any]] = set()
    for i, cmd in enumerate(body):
        validate_command(errs, cmd, (i,))
        if not isinstance(cmd, dict):
            continue
        ctype = cmd.get("type", 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        key = (cmd.get("name"), ctype)
        if key in seen:
            errs.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
                f"duplicate command name {cmd.get('name')!r}",
            )
        seen.add(key)
    for ctype, count in counts.items():
        cap = COMMAND_CAPS.get(ctype)
        if cap is not None and (not guild or ctype != 4) and count > cap:
            errs.add(
                (),
                "APPLICATION_COMMAND_TOO_MANY",
                f"Maximum number of application commands reached ({cap})",
                f"has {count} commands of type {ctype}, limit {cap}",
            )
        if guild and ctype == 4 and count:
            errs.add(
                (),
                "APPLICATION_COMMAND_INVALID",
                "Entry point commands cannot be guild commands",
                "PRIMARY_ENTRY_POINT commands cannot be guild commands",
            )


__all__ = ["COMMAND_CAPS", "validate_command", "validate_command_list"]
