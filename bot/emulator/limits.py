"""Validation of request bodies against Discord's documented limits.

Every check appends to an :class:`Errors` collector with the offending field path. The emulator turns a
non-empty collector into a Discord-style ``400 Invalid Form Body`` (code 50035, ``errors`` tree) and into
human-readable violation strings such as ``embeds[0].title is 300 characters, limit 256``.

Sources: /work/shared/reference/DISCORD_LIMITS.md (sections 2.1-2.4, 3). Application command bodies are
checked in :mod:`bot.emulator.command_limits` with the name and localization rules defined here.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .models import IS_COMPONENTS_V2

try:  # pragma: no cover - depends on the environment; `regex` is not a project dependency
    _regex: Any = importlib.import_module("regex")
except ImportError:  # pragma: no cover
    _regex = None

VALID_LOCALES: frozenset[str] = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
        "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN",
        "ja", "zh-TW", "ko",
    }
)  # fmt: skip
"""The 32 locales Discord accepts (api:reference §Locales)."""

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FILES = 10
MAX_REQUEST_BYTES = 25 * 1024 * 1024
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024
THREAD_ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})
CHANNEL_MESSAGE_FLAGS = (1 << 2) | (1 << 12) | (1 << 13) | IS_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = (1 << 2) | (1 << 6) | (1 << 12) | (1 << 13) | IS_COMPONENTS_V2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
_NAME_RE = _regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$", _regex.UNICODE) if _regex else None


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failed check: where (``path``), Discord's error code and message, and a readable explanation."""

    path: tuple[str | int, ...]
    code: str
    message: str
    detail: str

    @property
    def dotted(self) -> str:
        return dotted(self.path)


def dotted(path: Sequence[str | int]) -> str:
    """``("embeds", 0, "title")`` → ``embeds[0].title``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<body>"


class Errors:
    """Collects :class:`FieldError` objects for one request body."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, path: Sequence[str | int], code: str, message: str, detail: str | None = None) -> None:
        self.items.append(FieldError(tuple(path), code, message, detail or message))

    def tree(self) -> dict[str, Any]:
        """Discord's nested ``errors`` object (``{"embeds": {"0": {"title": {"_errors": [...]}}}}``)."""
        root: dict[str, Any] = {}
        for err in self.items:
            node = root
            for part in err.path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": err.code, "message": err.message})
        return root

    def describe(self) -> list[str]:
        return [f"{e.dotted} {e.detail}" for e in self.items]

    # -- primitive checks -------------------------------------------------------------------------------

    def string(
        self,
        path: Sequence[str | int],
        value: Any,
        *,
        max_len: int,
        min_len: int = 0,
        required: bool = False,
        nullable: bool = True,
    ) -> None:
        """Check an optional (or required) string's type and length."""
        if value is None:
            if required or not nullable:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required", "is required")
            return
        if not isinstance(value, str):
            self.add(
                path,
                "BASE_TYPE_STRING",
                "Could not interpret value as string.",
                f"must be a string, got {type(value).__name__}",
            )
            return
        n = len(value)
        if n > max_len:
            self.add(
                path,
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {max_len} or fewer in length.",
                f"is {n} characters, limit {max_len}",
            )
        elif n < min_len:
            self.add(
                path,
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between {min_len} and {max_len} in length.",
                f"is {n} characters, must be {min_len}-{max_len}",
            )

    def integer(
        self,
        path: Sequence[str | int],
        value: Any,
        *,
        lo: int | None = None,
        hi: int | None = None,
        nullable: bool = True,
    ) -> None:
        if value is None:
            if not nullable:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required", "is required")
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.', f"must be an integer, got {value!r}")
            return
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.add(
                path,
                "NUMBER_TYPE_OUT_OF_RANGE",
                f"Int value should be between {lo} and {hi}.",
                f"is {value}, must be between {lo} and {hi}",
            )

    def boolean(self, path: Sequence[str | int], value: Any) -> None:
        if value is not None and not isinstance(value, bool):
            self.add(path, "BASE_TYPE_BOOLEAN", "Must be either true or false.", f"must be a boolean, got {value!r}")

    def array(self, path: Sequence[str | int], value: Any, *, max_items: int, min_items: int = 0) -> list[Any]:
        """Check a list's type and size; returns the list (or ``[]``) for further checks."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "BASE_TYPE_ARRAY", "Must be an array.", f"must be an array, got {type(value).__name__}")
            return []
        if len(value) > max_items:
            self.add(
                path,
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {max_items} or fewer in length.",
                f"has {len(value)} items, limit {max_items}",
            )
        elif len(value) < min_items:
            self.add(
                path,
                "BASE_TYPE_MIN_LENGTH",
                f"Must be {min_items} or more in length.",
                f"has {len(value)} items, needs at least {min_items}",
            )
        return value

    def obj(self, path: Sequence[str | int], value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType", "must be an object")
            return {}
        return value

    def snowflake(self, path: Sequence[str | int], value: Any, *, nullable: bool = True) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            self.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.', f"is not a snowflake: {value!r}")


# -- messages -----------------------------------------------------------------------------------------------


def _trimmed_len(value: Any) -> int:
    return len(value.strip()) if isinstance(value, str) else 0


def validate_embeds(errs: Errors, embeds: Any, path: Sequence[str | int] = ("embeds",)) -> None:
    """Per-embed limits and the 6000-character total across all embeds of one message."""
    items = errs.array(path, embeds, max_items=MAX_EMBEDS)
    total = 0
    for i, raw in enumerate(items):
        p = (*path, i)
        embed = errs.obj(p, raw)
        errs.string((*p, "title"), embed.get("title"), max_len=256)
        errs.string((*p, "description"), embed.get("description"), max_len=4096)
        errs.string((*p, "url"), embed.get("url"), max_len=2048)
        errs.integer((*p, "color"), embed.get("color"), lo=0, hi=0xFFFFFF)
        total += _trimmed_len(embed.get("title")) + _trimmed_len(embed.get("description"))
        footer = errs.obj((*p, "footer"), embed.get("footer"))
        if footer:
            errs.string((*p, "footer", "text"), footer.get("text"), max_len=2048, required=True)
            total += _trimmed_len(footer.get("text"))
        author = errs.obj((*p, "author"), embed.get("author"))
        if author:
            errs.string((*p, "author", "name"), author.get("name"), max_len=256, required=True)
            total += _trimmed_len(author.get("name"))
        fields = errs.array((*p, "fields"), embed.get("fields"), max_items=25)
        for j, raw_field in enumerate(fields):
            fp = (*p, "fields", j)
            fld = errs.obj(fp, raw_field)
            errs.string((*fp, "name"), fld.get("name"), min_len=1, max_len=256, required=True)
            errs.string((*fp, "value"), fld.get("value"), min_len=1, max_len=1024, required=True)
            errs.boolean((*fp, "inline"), fld.get("inline"))
            total += _trimmed_len(fld.get("name")) + _trimmed_len(fld.get("value"))
    if total > MAX_EMBED_TOTAL:
        errs.add(
            path,
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
            f"total is {total} characters across all embeds, limit {MAX_EMBED_TOTAL}",
        )


def _check_custom_id(errs: Errors, path: Sequence[str | int], value: Any, seen: set[str]) -> None:
    errs.string(path, value, min_len=1, max_len=100, required=True)
    if isinstance(value, str):
        if value in seen:
            errs.add(
                path,
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
                f"custom_id {value!r} is used twice in this message",
            )
        seen.add(value)


def _validate_button(errs: Errors, p: tuple[str | int, ...], comp: dict[str, Any], seen: set[str]) -> None:
    style = comp.get("style")
    errs.integer((*p, "style"), style, lo=1, hi=6, nullable=False)
    errs.string((*p, "label"), comp.get("label"), max_len=80)
    if style == 5:
        errs.string((*p, "url"), comp.get("url"), max_len=512, min_len=1, required=True)
        if comp.get("custom_id") is not None:
            errs.add((*p, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_INVALID", "A link button cannot have a custom id")
    elif style == 6:
        errs.snowflake((*p, "sku_id"), comp.get("sku_id"), nullable=False)
    else:
        _check_custom_id(errs, (*p, "custom_id"), comp.get("custom_id"), seen)
        if comp.get("url") is not None:
            errs.add((*p, "url"), "BUTTON_COMPONENT_URL_INVALID", "Only link buttons can have a url")
    if style not in (6,) and comp.get("label") is None and comp.get("emoji") is None:
        errs.add((*p, "label"), "BUTTON_COMPONENT_LABEL_REQUIRED", "A button needs a label or an emoji")


def _validate_select(errs: Errors, p: tuple[str | int, ...], comp: dict[str, Any], seen: set[str]) -> None:
    _check_custom_id(errs, (*p, "custom_id"), comp.get("custom_id"), seen)
    errs.string((*p, "placeholder"), comp.get("placeholder"), max_len=150)
    min_values = comp.get("min_values", 1)
    max_values = comp.get("max_values", 1)
    errs.integer((*p, "min_values"), min_values, lo=0, hi=25)
    errs.integer((*p, "max_values"), max_values, lo=1, hi=25)
    if isinstance(min_values, int) and isinstance(max_values, int) and min_values > max_values:
        errs.add((*p, "min_values"), "SELECT_COMPONENT_MIN_VALUES_GT_MAX", "min_values is greater than max_values")
    if comp.get("type") == 3:
        options = errs.array((*p, "options"), comp.get("options"), max_items=25, min_items=1)
        values_seen: set[str] = set()
        for k, raw in enumerate(options):
            op = (*p, "options", k)
            opt = errs.obj(op, raw)
            errs.string((*op, "label"), opt.get("label"), min_len=1, max_len=100, required=True)
            errs.string((*op, "value"), opt.get("value"), min_len=1, max_len=100, required=True)
            errs.string((*op, "description"), opt.get("description"), max_len=100)
            value = opt.get("value")
            if isinstance(value, str):
                if value in values_seen:
                    errs.add((*op, "value"), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Option values must be unique")
                values_seen.add(value)
        if options and isinstance(max_values, int) and max_values > len(options):
            errs.add(
                (*p, "max_values"),
                "SELECT_COMPONENT_MAX_VALUES_GT_OPTIONS",
                "max_values must be less than or equal to the number of options",
                f"is {max_values} but there are only {len(options)} options",
            )
    elif comp.get("options") is not None:
        errs.add((*p, "options"), "SELECT_COMPONENT_OPTIONS_INVALID", "Only string selects have options")


def _count_components(components: Iterable[Any]) -> int:
    total = 0
    for comp in components:
        if not isinstance(comp, dict):
            continue
        total += 1
        total += _count_components(comp.get("components") or [])
        if isinstance(comp.get("accessory"), dict):
            total += 1
        if isinstance(comp.get("component"), dict):
            total += 1
    return total


def validate_components(
    errs: Errors, components: Any, *, flags: int, path: Sequence[str | int] = ("components",)
) -> None:
    """Legacy action rows (≤5 rows, ≤5 buttons or exactly one select per row) or the Components V2 cap."""
    seen: set[str] = set()
    if flags & IS_COMPONENTS_V2:
        items = errs.array(path, components, max_items=40)
        total = _count_components(items)
        if total > 40:
            errs.add(path, "COMPONENTS_V2_TOO_MANY", "Too many components", f"has {total} components, limit 40")
        _walk_v2(errs, tuple(path), items, seen)
        return
    rows = errs.array(path, components, max_items=5)
    for i, raw in enumerate(rows):
        p = (*path, i)
        row = errs.obj(p, raw)
        if not row:
            continue
        if row.get("type") != 1:
            errs.add(
                (*p, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1,).',
                f"top-level components of a legacy message must be action rows (type 1), got {row.get('type')!r}",
            )
            continue
        children = errs.array((*p, "components"), row.get("components"), max_items=5, min_items=1)
        types = [c.get("type") for c in children if isinstance(c, dict)]
        selects = [t for t in types if t in SELECT_TYPES]
        if selects and len(children) != 1:
            errs.add(
                (*p, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
                f"an action row with a select menu must hold exactly 1 component, it holds {len(children)}",
            )
        for j, raw_child in enumerate(children):
            cp = (*p, "components", j)
            child = errs.obj(cp, raw_child)
            ctype = child.get("type")
            if ctype == 2:
                _validate_button(errs, cp, child, seen)
            elif ctype in SELECT_TYPES:
                _validate_select(errs, cp, child, seen)
            else:
                errs.add(
                    (*cp, "type"),
                    "UNION_TYPE_CHOICES",
                    "Invalid component type",
                    f"component type {ctype!r} is not allowed in a message action row",
                )


def _walk_v2(errs: Errors, path: tuple[str | int, ...], items: list[Any], seen: set[str]) -> None:
    for i, raw in enumerate(items):
        p = (*path, i)
        comp = errs.obj(p, raw)
        ctype = comp.get("type")
        if ctype == 2:
            _validate_button(errs, p, comp, seen)
        elif ctype in SELECT_TYPES:
            _validate_select(errs, p, comp, seen)
        elif ctype == 10:
            errs.string((*p, "content"), comp.get("content"), min_len=1, max_len=4000, required=True)
        if isinstance(comp.get("components"), list):
            _walk_v2(errs, (*p, "components"), comp["components"], seen)
        if isinstance(comp.get("accessory"), dict):
            _walk_v2(errs, (*p, "accessory"), [comp["accessory"]], seen)


def validate_allowed_mentions(errs: Errors, value: Any, path: Sequence[str | int] = ("allowed_mentions",)) -> None:
    """``parse`` ⊆ {users, roles, everyone}; not combined with explicit lists of the same type; lists ≤100."""
    am = errs.obj(path, value)
    if not am:
        return
    parse = errs.array((*path, "parse"), am.get("parse"), max_items=3)
    for i, item in enumerate(parse):
        if item not in ("users", "roles", "everyone"):
            errs.add(
                (*path, "parse", i),
                "BASE_TYPE_CHOICES",
                "Value must be one of {'users', 'roles', 'everyone'}.",
                f"is {item!r}, must be one of users, roles, everyone",
            )
    for kind in ("users", "roles"):
        ids = errs.array((*path, kind), am.get(kind), max_items=100)
        for i, item in enumerate(ids):
            errs.snowflake((*path, kind, i), item, nullable=False)
        if kind in parse and am.get(kind) is not None:
            errs.add(
                (*path, "parse"),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                f'combines parse "{kind}" with an explicit {kind} list',
            )
    errs.boolean((*path, "replied_user"), am.get("replied_user"))


def validate_message_body(
    errs: Errors,
    body: dict[str, Any],
    *,
    allowed_flags: int,
    editing: bool = False,
) -> None:
    """Checks shared by channel messages, interaction responses, follow-ups and edits."""
    content = body.get("content")
    errs.string(("content",), content, max_len=MAX_CONTENT)
    if "embed" in body and "embeds" not in body:
        errs.add(("embed",), "UNKNOWN_FIELD", "Use embeds", "the singular 'embed' field is not part of API v10")
    validate_embeds(errs, body.get("embeds"))
    flags = body.get("flags") or 0
    errs.integer(("flags",), body.get("flags"), lo=0)
    if isinstance(flags, int) and flags & ~allowed_flags:
        errs.add(
            ("flags",),
            "MESSAGE_FLAGS_INVALID",
            "Invalid flags",
            f"contains bits {flags & ~allowed_flags} that cannot be set here (allowed: {allowed_flags})",
        )
    validate_components(errs, body.get("components"), flags=flags if isinstance(flags, int) else 0)
    if "allowed_mentions" in body and body["allowed_mentions"] is not None:
        validate_allowed_mentions(errs, body["allowed_mentions"])
    nonce = body.get("nonce")
    if nonce is not None:
        if isinstance(nonce, str):
            errs.string(("nonce",), nonce, max_len=25)
        elif isinstance(nonce, bool) or not isinstance(nonce, int):
            errs.add(("nonce",), "BASE_TYPE_STRING", "Invalid nonce", "must be a string or an integer")
    errs.boolean(("tts",), body.get("tts"))
    errs.array(("sticker_ids",), body.get("sticker_ids"), max_items=3)
    errs.array(("attachments",), body.get("attachments"), max_items=MAX_FILES)
    if flags & IS_COMPONENTS_V2 and (body.get("content") or body.get("embeds")):
        errs.add(
            ("content",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "content and embeds cannot be used with IS_COMPONENTS_V2",
        )
    ref = body.get("message_reference")
    if ref is not None:
        ref_obj = errs.obj(("message_reference",), ref)
        errs.snowflake(("message_reference", "message_id"), ref_obj.get("message_id"))
    if not editing and not any(
        body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    ):
        errs.add(
            (),
            "MESSAGE_EMPTY",
            "Cannot send an empty message",
            "empty message: no content, embeds, components, stickers, poll or files",
        )


def validate_files(
    errs: Errors, files: Sequence[tuple[str, str, int]], *, per_file_limit: int, total_bytes: int
) -> None:
    """``files`` is ``[(field_name, filename, size)]``: ≤10 files, each ≤ the limit, request ≤25 MiB."""
    if len(files) > MAX_FILES:
        errs.add(("files",), "BASE_TYPE_MAX_LENGTH", "Too many files", f"has {len(files)} files, limit {MAX_FILES}")
    for name, filename, size in files:
        if size > per_file_limit:
            errs.add(
                (name,),
                "BASE_TYPE_MAX_FILE_SIZE",
                "File cannot be larger than the limit",
                f"{filename!r} is {size} bytes, limit {per_file_limit}",
            )
    if total_bytes > MAX_REQUEST_BYTES:
        errs.add(
            (),
            "REQUEST_ENTITY_TOO_LARGE",
            "Request entity too large",
            f"request is {total_bytes} bytes, limit {MAX_REQUEST_BYTES}",
        )


# -- threads --------------------------------------------------------------------------------------------------


def validate_thread_body(errs: Errors, body: dict[str, Any], *, from_message: bool) -> None:
    """Thread name 1–100, auto_archive_duration ∈ {60, 1440, 4320, 10080}, slowmode 0–21600."""
    errs.string(("name",), body.get("name"), min_len=1, max_len=100, required=True)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in THREAD_ARCHIVE_DURATIONS:
        errs.add(
            ("auto_archive_duration",),
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.",
            f"is {duration!r}, must be one of 60, 1440, 4320, 10080",
        )
    errs.integer(("rate_limit_per_user",), body.get("rate_limit_per_user"), lo=0, hi=21600)
    if not from_message:
        ttype = body.get("type")
        if ttype is not None and ttype not in (10, 11, 12):
            errs.add(("type",), "BASE_TYPE_CHOICES", "Invalid thread type", f"is {ttype!r}, must be 10, 11 or 12")
        errs.boolean(("invitable",), body.get("invitable"))


# -- forums ---------------------------------------------------------------------------------------------------

MAX_FORUM_TAGS = 20  # tags on one forum (available_tags)
MAX_APPLIED_TAGS = 5  # tags on one forum post (applied_tags)
FORUM_TAG_NAME = 20  # characters in a tag's name


def new_forum_tag(tag_id: int, name: str, *, moderated: bool = False) -> dict[str, Any]:
    """A forum tag object as Discord sends it (no emoji)."""
    return {"id": str(tag_id), "name": name, "moderated": moderated, "emoji_id": None, "emoji_name": None}


def validate_forum_tags(errs: Errors, tags: Any) -> list[dict[str, Any]]:
    """Modify Channel's ``available_tags``: at most 20 tag objects, each name 0–20 characters, names unique."""
    items = errs.array(("available_tags",), tags, max_items=MAX_FORUM_TAGS)
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, tag in enumerate(items):
        obj = errs.obj(("available_tags", i), tag)
        if not obj:
            continue
        errs.string(("available_tags", i, "name"), obj.get("name"), min_len=0, max_len=FORUM_TAG_NAME, required=True)
        errs.boolean(("available_tags", i, "moderated"), obj.get("moderated"))
        errs.snowflake(("available_tags", i, "id"), obj.get("id"))
        errs.snowflake(("available_tags", i, "emoji_id"), obj.get("emoji_id"))
        name = obj.get("name")
        if isinstance(name, str):
            if name in names:
                errs.add(("available_tags", i, "name"), "DUPLICATE", "Tag names must be unique", f"{name!r} twice")
            names.add(name)
        out.append(obj)
    return out


def validate_forum_post(errs: Errors, body: dict[str, Any]) -> None:
    """Start Thread in Forum: a name 1–100, a ``message`` object, at most 5 ``applied_tags`` snowflakes."""
    validate_thread_body(errs, body, from_message=True)
    if body.get("type") not in (None, 11):
        errs.add(("type",), "BASE_TYPE_CHOICES", "Invalid thread type", f"is {body.get('type')!r}, a forum post is 11")
    if body.get("message") is None:
        errs.add(("message",), "BASE_TYPE_REQUIRED", "This field is required", "a forum post needs its first message")
    else:
        errs.obj(("message",), body.get("message"))
    applied = errs.array(("applied_tags",), body.get("applied_tags", []), max_items=MAX_APPLIED_TAGS)
    for i, tag in enumerate(applied):
        errs.snowflake(("applied_tags", i), tag, nullable=False)


# -- interactions ---------------------------------------------------------------------------------------------


def _check_choice_value(errs: Errors, path: Sequence[str | int], value: Any, option_type: int | None) -> None:
    if option_type == 3 or (option_type is None and isinstance(value, str)):
        errs.string(path, value, max_len=100, required=True)
    elif option_type == 4:
        errs.integer(path, value, lo=-(2**53) + 1, hi=2**53 - 1, nullable=False)
    elif option_type == 10:
        if isinstance(value, bool) or not isinstance(value, int | float):
            errs.add(path, "NUMBER_TYPE_COERCE", "Value is not a number", f"must be a number, got {value!r}")
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        errs.add(path, "BASE_TYPE_CHOICES", "Invalid choice value", f"invalid choice value {value!r}")


def validate_choices(errs: Errors, choices: Any, path: Sequence[str | int], *, option_type: int | None = None) -> None:
    """≤25 choices, name 1–100 (and localized names), string value ≤100."""
    items = errs.array(path, choices, max_items=25)
    for i, raw in enumerate(items):
        cp = (*path, i)
        choice = errs.obj(cp, raw)
        errs.string((*cp, "name"), choice.get("name"), min_len=1, max_len=100, required=True)
        validate_localizations(errs, (*cp, "name_localizations"), choice.get("name_localizations"), kind="choice")
        _check_choice_value(errs, (*cp, "value"), choice.get("value"), option_type)


def validate_autocomplete_result(errs: Errors, data: Any, *, option_type: int | None) -> None:
    obj = errs.obj(("data",), data)
    validate_choices(errs, obj.get("choices"), ("data", "choices"), option_type=option_type)


def validate_modal(errs: Errors, data: Any) -> None:
    """Title ≤45, custom_id 1–100, 1–5 top-level components, text input limits."""
    modal = errs.obj(("data",), data)
    errs.string(("data", "title"), modal.get("title"), min_len=1, max_len=45, required=True)
    seen: set[str] = set()
    _check_custom_id(errs, ("data", "custom_id"), modal.get("custom_id"), set())
    rows = errs.array(("data", "components"), modal.get("components"), max_items=5, min_items=1)
    for i, raw in enumerate(rows):
        p: tuple[str | int, ...] = ("data", "components", i)
        row = errs.obj(p, raw)
        rtype = row.get("type")
        if rtype == 1:
            children = errs.array((*p, "components"), row.get("components"), max_items=1, min_items=1)
            for j, child in enumerate(children):
                _validate_modal_item(errs, (*p, "components", j), errs.obj((*p, "components", j), child), seen)
        elif rtype == 18:
            errs.string((*p, "label"), row.get("label"), min_len=1, max_len=45, required=True)
            errs.string((*p, "description"), row.get("description"), max_len=100)
            _validate_modal_item(errs, (*p, "component"), errs.obj((*p, "component"), row.get("component")), seen)
        elif rtype == 10:
            errs.string((*p, "content"), row.get("content"), min_len=1, max_len=4000, required=True)
        else:
            errs.add(
                (*p, "type"),
                "UNION_TYPE_CHOICES",
                "Invalid modal component",
                f"component type {rtype!r} not allowed in a modal",
            )


def _validate_modal_item(errs: Errors, p: tuple[str | int, ...], item: dict[str, Any], seen: set[str]) -> None:
    itype = item.get("type")
    if itype == 4:
        _check_custom_id(errs, (*p, "custom_id"), item.get("custom_id"), seen)
        errs.integer((*p, "style"), item.get("style"), lo=1, hi=2, nullable=False)
        errs.string((*p, "label"), item.get("label"), max_len=45)
        errs.integer((*p, "min_length"), item.get("min_length"), lo=0, hi=4000)
        errs.integer((*p, "max_length"), item.get("max_length"), lo=1, hi=4000)
        errs.string((*p, "value"), item.get("value"), max_len=4000)
        errs.string((*p, "placeholder"), item.get("placeholder"), max_len=100)
    elif itype in SELECT_TYPES:
        _validate_select(errs, p, item, seen)
    else:
        errs.add(
            (*p, "type"), "UNION_TYPE_CHOICES", "Invalid modal component", f"component type {itype!r} not allowed here"
        )


# -- application commands -------------------------------------------------------------------------------------


def _is_name_char(ch: str) -> bool:
    if ch in "-_'":
        return True
    cat = unicodedata.category(ch)
    if cat[0] in ("L", "N"):
        return True
    cp = ord(ch)
    # \p{sc=Deva} and \p{sc=Thai} also admit combining marks (Mn/Mc) of those scripts.
    return 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF or 0x11B00 <= cp <= 0x11B5F or 0x0E00 <= cp <= 0x0E7F


def is_valid_chat_input_name(name: str) -> bool:
    """Discord's CHAT_INPUT name rule: the unicode regex of 1–32 characters, and lowercase where possible."""
    if _NAME_RE is not None:
        if not _NAME_RE.match(name):
            return False
    elif not 1 <= len(name) <= 32 or not all(_is_name_char(c) for c in name):
        return False
    return all(c.lower() == c for c in name)


def validate_name(errs: Errors, path: Sequence[str | int], value: Any, *, chat_input: bool) -> None:
    errs.string(path, value, min_len=1, max_len=32, required=True)
    if isinstance(value, str) and 1 <= len(value) <= 32 and chat_input and not is_valid_chat_input_name(value):
        errs.add(
            path,
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid",
            f"{value!r} does not match ^[-_'\\p{{L}}\\p{{N}}\\p{{sc=Deva}}\\p{{sc=Thai}}]{{1,32}}$ in lowercase",
        )


def validate_localizations(errs: Errors, path: Sequence[str | int], value: Any, *, kind: str) -> None:
    locs = errs.obj(path, value)
    for locale, text in locs.items():
        if locale not in VALID_LOCALES:
            errs.add(
                (*path, locale),
                "LOCALE_INVALID",
                f"Invalid locale {locale}",
                f"key {locale!r} is not a Discord locale",
            )
            continue
        if kind == "name":
            validate_name(errs, (*path, locale), text, chat_input=True)
        elif kind == "description":
            errs.string((*path, locale), text, min_len=1, max_len=100, required=True)
        else:  # choice names
            errs.string((*path, locale), text, min_len=1, max_len=100, required=True)


__all__ = [
    "VALID_LOCALES",
    "Errors",
    "FieldError",
    "dotted",
    "is_valid_chat_input_name",
    "validate_allowed_mentions",
    "validate_autocomplete_result",
    "validate_choices",
    "validate_components",
    "validate_embeds",
    "validate_files",
    "validate_forum_post",
    "validate_forum_tags",
    "validate_message_body",
    "validate_modal",
    "validate_thread_body",
]
