"""Interface strings in English and German, and the app-command translator.

Interface strings live in `bot/locale/{en,de}/*.yaml` keyed by a dotted name; German command and option
descriptions live in `bot/locale/commands-de/*.yaml`, keyed by the English text the code declares.
Members whose Discord locale is German get German strings; everyone else gets English.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources
from typing import Any

import discord
import yaml
from babel import Locale as BabelLocale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from discord import app_commands

SUPPORTED = ("en", "de")


@functools.cache
def _catalog(name: str) -> dict[str, str]:
    """Every `bot/locale/<name>/*.yaml` file merged (one file per feature); a key defined twice is an error."""
    merged: dict[str, str] = {}
    folder = resources.files("bot").joinpath("locale", name)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ValueError(f"bot/locale/{name}/{entry.name} must map strings to strings")
        clash = merged.keys() & data.keys()
        if clash:
            raise ValueError(f"bot/locale/{name}/{entry.name} defines {sorted(clash)[0]!r} again")
        merged.update(data)
    return merged


def language(locale: discord.Locale | str | None) -> str:
    """'de' for any German Discord locale, else 'en'."""
    value = locale.value if isinstance(locale, discord.Locale) else (locale or "")
    return "de" if value.lower().startswith("de") else "en"


def tr(locale: discord.Locale | str | None, key: str, **values: Any) -> str:
    """The interface string `key` in the member's language, formatted with `values`."""
    lang = language(locale)
    text = _catalog(lang).get(key) or _catalog("en")[key]
    return text.format(**values) if values else text


def tr_count(locale: discord.Locale | str | None, key: str, count: int, **values: Any) -> str:
    """The plural form of `key` for `count` in the member's language (CLDR rules via Babel).

    The catalog holds one entry per form the language needs: `key.one` and `key.other` for English and German.
    `{count}` in the text is the number formatted for the language ("1.234" in German).
    """
    lang = language(locale)
    form = BabelLocale.parse(lang).plural_form(abs(count))
    catalog = _catalog(lang)
    text = catalog.get(f"{key}.{form}") or catalog.get(f"{key}.other") or _catalog("en")[f"{key}.other"]
    return text.format(count=format_number(locale, count), **values)


def format_number(locale: discord.Locale | str | None, number: float) -> str:
    """`number` written the way the member's language writes it."""
    return babel_numbers.format_decimal(number, locale=language(locale))


def format_date(locale: discord.Locale | str | None, day: dt.date, *, style: str = "long") -> str:
    """A calendar day in words ("30 November 2026" / "30. November 2026"), never ISO.

    For a moment in time shown to a member, prefer Discord's `<t:UNIX:f>` (their own zone and language).
    """
    return babel_dates.format_date(day, format=style, locale=language(locale))


def command_translations() -> dict[str, str]:
    """English command/option description → German."""
    return _catalog("commands-de")


class WhiplashTranslator(app_commands.Translator):
    """Adds `de` localizations to command, group and option descriptions (and choice names)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.german:
            return None
        if isinstance(context.data, app_commands.ContextMenu):
            return command_translations().get(string.message)  # a menu's name is its label under Apps
        if context.location in (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        ):
            return None  # names stay English so that docs and muscle memory work in every language
        return command_translations().get(string.message)
