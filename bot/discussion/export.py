"""Export of logged replies as CSV or JSONL, with exactly SPEC §7's columns in order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterable
from dataclasses import astuple
from typing import Literal

from bot.storage import EXPORT_COLUMNS, ExportRow

ExportFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")


async def export_bytes(rows: AsyncIterable[ExportRow], fmt: ExportFormat) -> tuple[bytes, int]:
    """The whole export as UTF-8 bytes, and how many rows it holds."""
    buffer = io.StringIO()
    count = 0
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        async for row in rows:
            writer.writerow(_csv_safe(value) for value in astuple(row))
            count += 1
    else:
        async for row in rows:
            buffer.write(json.dumps(dict(zip(EXPORT_COLUMNS, astuple(row), strict=True)), ensure_ascii=False))
            buffer.write("\n")
            count += 1
    return buffer.getvalue().encode("utf-8"), count


def _csv_safe(value: object) -> object:
    """Defuse spreadsheet formulas in user text (CSV injection): a leading =, +, - or @ gets a quote mark.

    Booleans are written `true`/`false`, as JSONL writes them.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_filename(guild_id: int, fmt: ExportFormat, stamp: str) -> str:
    return f"whiplash-replies-{guild_id}-{stamp}.{fmt}"


SHOWN_IDS = 20  # message ids named in one answer; the operator's `whiplash-bot export` names them all


def export_id_list(message_ids: list[int]) -> str:
    """The message ids of replies left out of an export, short enough for one answer."""
    shown = ", ".join(str(mid) for mid in message_ids[:SHOWN_IDS])
    return shown + (f", … (+{len(message_ids) - SHOWN_IDS})" if len(message_ids) > SHOWN_IDS else "")
