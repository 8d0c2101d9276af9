"""Safe, bounded YAML loading shared by the content pack and the prompt import.

Only PyYAML's safe constructors are used. On top of that the loader

* refuses documents larger than ``max_bytes`` (checked before the file is read),
* refuses more than ``max_aliases`` alias references (``*name``), which defeats
  "billion laughs" style expansion bombs,
* refuses duplicate mapping keys, which PyYAML would otherwise silently drop,
* keeps dates as plain strings (no implicit timestamp conversion),
* reports every failure as a :class:`YamlError` carrying a 1-based line number when one is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DEFAULT_MAX_ALIASES",
    "DEFAULT_MAX_BYTES",
    "YamlError",
    "YamlMapping",
    "line_of",
    "load_yaml_document",
]

DEFAULT_MAX_BYTES = 1024 * 1024
"""Largest YAML document accepted (1 MiB)."""

DEFAULT_MAX_ALIASES = 0
"""Content files need no aliases; the import may pass a small bound instead."""

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class YamlError(ValueError):
    """A YAML document could not be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class YamlMapping(dict[Any, Any]):
    """A mapping from a YAML document that remembers the 1-based line it starts on."""

    line: int | None = None


def line_of(value: object) -> int | None:
    """The 1-based line a mapping started on, if it came from :func:`load_yaml_document`."""
    return value.line if isinstance(value, YamlMapping) else None


def _mark_line(mark: yaml.Mark | None) -> int | None:
    return None if mark is None else mark.line + 1


MAX_DEPTH = 50  # content and prompt files nest a handful of levels


class _BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases, rejects duplicate keys and keeps dates as strings."""

    max_aliases: int = DEFAULT_MAX_ALIASES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # PyYAML composes recursively: bound the nesting so a "[[[[…" bomb is a YamlError, not a RecursionError.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise YamlError(f"YAML nested more than {MAX_DEPTH} levels deep", _mark_line(event.start_mark))
            return self._compose_bounded(parent, index)
        finally:
            self.depth -= 1

    def _compose_bounded(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            self.alias_count += 1
            if self.alias_count > self.max_aliases:
                raise YamlError(
                    f"YAML aliases are not allowed here (more than {self.max_aliases} alias references)",
                    _mark_line(event.start_mark),
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError("YAML merge keys ('<<') are not allowed", _mark_line(key_node.start_mark))
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: let PyYAML report it
                duplicate = False
            if duplicate:
                raise YamlError(f"duplicate key {key!r}", _mark_line(key_node.start_mark))
        return super().construct_mapping(node, deep=deep)

    def construct_line_mapping(self, node: yaml.MappingNode) -> Iterator[YamlMapping]:
        mapping = YamlMapping()
        mapping.line = _mark_line(node.start_mark)
        yield mapping
        mapping.update(self.construct_mapping(node))


_BoundedSafeLoader.add_constructor("tag:yaml.org,2002:map", _BoundedSafeLoader.construct_line_mapping)


# Dates stay strings: drop the implicit timestamp resolver from our loader's own copy of the table.
_BoundedSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_source(source: str | bytes | Path, max_bytes: int) -> str:
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise YamlError(f"cannot read file: {exc.strerror or exc}") from exc
        if size > max_bytes:
            raise YamlError(f"file is too large ({size} bytes, limit {max_bytes})")
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise YamlError(f"cannot read file: {exc.strerror or exc}") from exc
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.encode("utf-8", errors="surrogatepass")
    if len(data) > max_bytes:
        raise YamlError(f"document is too large ({len(data)} bytes, limit {max_bytes})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(f"not valid UTF-8 (byte {exc.start})", line) from exc


def load_yaml_document(
    source: str | bytes | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_aliases: int = DEFAULT_MAX_ALIASES,
) -> Any:
    """Parse one YAML document from text, bytes or a file path, safely and within bounds.

    Returns the plain Python data (dicts, lists, strings, numbers, booleans, None);
    an empty document gives None. Raises :class:`YamlError` (with ``line`` when known).
    """
    text = _read_source(source, max_bytes)
    loader_class = type("_Loader", (_BoundedSafeLoader,), {"max_aliases": max_aliases})
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", _mark_line(mark)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
