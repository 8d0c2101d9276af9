"""`/prompts import` and `/prompts export`: the pack's prompt format, checked all-or-nothing.

The file is a mapping with one key, ``prompts``, a list of entries:

* an entry that names a ``review`` is a complete pack prompt (``content/prompts.yaml``), checked by the
  same rules as the pack (:func:`bot.content.parse_prompt_document`): the passage must occur in the review;
  with an id of its own it is ``drawn`` and carries no ``asks`` or ``passage_translation`` (the server's
  prompts do not store them);
* an entry without a review is the server's own prompt: ``id`` and ``text`` are required; ``text_de``,
  ``passage``, ``themes``, ``spoiler`` and ``note`` are optional, and ``kind`` can only be ``drawn``;
* every ``text`` and ``text_de`` is a complete question that stands alone
  (:func:`bot.content.questions.question_problem`), reported in the moderator's language;
* either kind may carry ``enabled: false`` (the prompt is disabled in the server); export writes it for
  disabled prompts only.

An entry whose id is a shipped prompt must repeat the shipped prompt unchanged: only its ``enabled`` state
is imported. Any other id creates the server prompt or replaces the server prompt of that id. Export writes
every prompt of the server's pool in this format, so importing an export reproduces the pool exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import StringConstraints, ValidationError

from bot.content import (
    ContentPack,
    Prompt,
    Review,
    Stance,
    YamlError,
    load_yaml_document,
    parse_prompt_document,
)
from bot.content.problems import describe_validation_error
from bot.content.questions import question_problem
from bot.content.types import PROMPT_TEXT_LIMIT, ContentModel, NonEmptyStr, Slug, Theme
from bot.content.yaml_loading import line_of
from bot.i18n import tr, tr_count
from bot.storage.moderation import ImportItem, PromptFields, ServerPrompt

MAX_IMPORT_BYTES = 256 * 1024
"""Largest file `/prompts import` reads (checked before the download and again after it)."""

MAX_IMPORT_ALIASES = 8
"""YAML alias references allowed in an import: enough for a shared theme list, far too few for a bomb."""

MAX_IMPORT_ENTRIES = 500
MAX_SERVER_PROMPTS = 250
"""Server prompts one server may hold (an export of a full pool still fits the import limit)."""

SERVER_PASSAGE_LIMIT = 1000
"""Longest passage of a server prompt without a review (a pack passage may be as long as an excerpt)."""

EXPORT_HEADER = (
    "# whiplash-bot prompts: the content pack's prompt format (see content/prompts.yaml).\n"
    "# Import it with /prompts import. 'enabled: false' marks a prompt disabled in the server;\n"
    "# shipped prompts must stay as they are, prompts without a review are the server's own.\n"
    "# Every text is a complete question of at most 100 characters: it names the daily post's thread.\n"
)

_PACK_KEYS = (
    "id",
    "kind",
    "text",
    "text_de",
    "asks",
    "review",
    "passage",
    "passage_translation",
    "themes",
    "spoiler",
    "stance",
    "note",
)
_SHIPPED_ONLY = "import.shipped_only"

PromptText = Annotated[NonEmptyStr, StringConstraints(max_length=PROMPT_TEXT_LIMIT)]
ServerPassage = Annotated[NonEmptyStr, StringConstraints(max_length=SERVER_PASSAGE_LIMIT)]


class ServerPromptEntry(ContentModel):
    """An import entry without a review: the server's own prompt."""

    id: Slug
    kind: Literal["drawn"] = "drawn"
    text: PromptText
    text_de: PromptText | None = None
    passage: ServerPassage | None = None
    themes: tuple[Theme, ...] = ()
    spoiler: bool = False
    stance: Stance | None = None
    note: NonEmptyStr | None = None


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One reason the import was refused; `line` is the 1-based line of the entry when known."""

    line: int | None
    entry: str
    reason: str

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """The problem as the moderator reads it: "line 4: prompt 's-3': …" / "Zeile 4: Frage „s-3“: …"."""
        where = tr(lang, "import.at_line", line=self.line) if self.line is not None else ""
        entry = f"{self.entry}: " if self.entry else ""
        return f"{where}{entry}{self.reason}"


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A checked import: apply `items` in one transaction, or report `problems` and store nothing."""

    items: tuple[ImportItem, ...]
    problems: tuple[ImportProblem, ...]


def fields_from_pack(prompt: Prompt) -> PromptFields:
    return PromptFields(
        text=prompt.text,
        text_de=prompt.text_de,
        kind=prompt.kind,
        review_id=prompt.review,
        passage=prompt.passage,
        themes=tuple(prompt.themes),
        spoiler=prompt.spoiler,
        note=prompt.note,
        stance=prompt.stance,
    )


def _entry_label(raw: Any, number: int, lang: str) -> str:
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(raw_id, str) and raw_id:
        return tr(lang, "import.entry_id", id=raw_id)
    return tr(lang, "import.entry_number", number=number)


def _question_reasons(raw: dict[Any, Any], lang: str) -> list[str]:
    """Each text is a complete question that stands alone: one sentence in the moderator's language per text.

    ``text`` of the server's own prompt may be in either language (a shipped one must match the pack anyway);
    ``text_de`` is German.
    """
    reasons = []
    checks = (("text", None), ("text_de", "de"))
    for field, language in checks:
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            continue  # missing or empty: the field validation says so
        problem = question_problem(value, language)
        if problem is not None and problem.code != "too_long":  # the field validation reports the length
            reasons.append(f"{field}: " + tr(lang, f"prompts.question_{problem.code}", word=problem.word))
    return reasons


def _check_entry(
    raw: dict[Any, Any], reviews: Mapping[str, Review], shipped: Mapping[str, Prompt], lang: str
) -> tuple[PromptFields | None, list[str]]:
    """Validate one entry (without its `enabled` key); returns its fields (None for a shipped prompt)."""
    raw_id = raw.get("id")
    if "review" in raw:
        prompts, problems = parse_prompt_document(
            {"prompts": [raw]}, reviews, file="import", pack=False, questions=False, lang=lang
        )
        reasons = [problem.reason for problem in problems] + _question_reasons(raw, lang)
        if reasons or not prompts:
            return None, reasons or [tr(lang, "import.not_valid")]
        prompt = prompts[0]
        if prompt.id in shipped:
            if shipped[prompt.id] != prompt:
                return None, [tr(lang, _SHIPPED_ONLY)]
            return None, []
        if prompt.kind != "drawn" or prompt.asks is not None or prompt.passage_translation:
            return None, [tr(lang, "import.own_pack_format")]
        return fields_from_pack(prompt), []
    if isinstance(raw_id, str) and raw_id in shipped:
        return None, [tr(lang, _SHIPPED_ONLY)]
    try:
        entry = ServerPromptEntry.model_validate(raw)
    except ValidationError as error:
        return None, describe_validation_error(error, lang) + _question_reasons(raw, lang)
    questions = _question_reasons(raw, lang)
    if questions:
        return None, questions
    return (
        PromptFields(
            text=entry.text,
            text_de=entry.text_de,
            kind=entry.kind,
            passage=entry.passage,
            themes=entry.themes,
            spoiler=entry.spoiler,
            note=entry.note,
            stance=entry.stance,
        ),
        [],
    )


def plan_import(
    data: bytes,
    pack: ContentPack,
    existing: Sequence[str],
    *,
    max_server_prompts: int = MAX_SERVER_PROMPTS,
    lang: str = "en",
) -> ImportPlan:
    """Parse and check an import file completely; every problem is listed, with the entry's line.

    `existing` are the ids of the server's own prompts, to check the size of the pool after the import;
    `lang` is the moderator's language, for the sentences on prompts that are not complete questions.
    """
    try:
        document = load_yaml_document(data, max_bytes=MAX_IMPORT_BYTES, max_aliases=MAX_IMPORT_ALIASES)
    except YamlError as error:
        # the parser's own words are English: other languages get one sentence of what to look at
        reason = error.message if lang == "en" else tr(lang, "import.yaml_invalid")
        return ImportPlan((), (ImportProblem(error.line, "", reason),))
    if not isinstance(document, dict) or not isinstance(document.get("prompts"), list):
        return ImportPlan((), (ImportProblem(line_of(document), "", tr(lang, "import.not_a_document")),))
    problems: list[ImportProblem] = []
    extra = sorted(str(key) for key in document if key != "prompts")
    if extra:
        problems.append(
            ImportProblem(line_of(document), "", tr(lang, "import.unknown_top_keys", keys=", ".join(extra)))
        )
    entries: list[Any] = document["prompts"]
    if not entries:
        problems.append(ImportProblem(line_of(document), "", tr(lang, "import.empty_list")))
    if len(entries) > MAX_IMPORT_ENTRIES:
        problems.append(ImportProblem(None, "", tr(lang, "import.too_many", limit=MAX_IMPORT_ENTRIES)))
        return ImportPlan((), tuple(problems))
    reviews = {review.id: review for review in pack.reviews}
    shipped = {prompt.id: prompt for prompt in pack.prompts}
    items: list[ImportItem] = []
    first_line: dict[str, int | None] = {}
    for number, raw in enumerate(entries, start=1):
        label, line = _entry_label(raw, number, lang), line_of(raw)
        if not isinstance(raw, dict):
            problems.append(ImportProblem(line, label, tr(lang, "import.entry_not_mapping", kind=type(raw).__name__)))
            continue
        body = {key: value for key, value in raw.items() if key != "enabled"}
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append(ImportProblem(line, label, tr(lang, "import.enabled_bool")))
        raw_id = raw.get("id")
        if isinstance(raw_id, str) and raw_id in first_line:
            seen = first_line[raw_id]
            problems.append(ImportProblem(line, label, tr(lang, "import.duplicate_id", line=seen)))
            continue
        if isinstance(raw_id, str):
            first_line[raw_id] = line
        fields, reasons = _check_entry(body, reviews, shipped, lang)
        problems.extend(ImportProblem(line, label, reason) for reason in reasons)
        if not reasons and isinstance(raw_id, str) and isinstance(enabled, bool):
            items.append(ImportItem(raw_id, fields, enabled))
    own_after = set(existing) | {item.prompt_id for item in items if item.fields is not None}
    if len(own_after) > max_server_prompts:
        problems.append(
            ImportProblem(
                None,
                "",
                tr(
                    lang,
                    "import.over_limit",
                    prompts=tr_count(lang, "count.questions", len(own_after)),
                    limit=max_server_prompts,
                ),
            )
        )
    if problems:
        return ImportPlan((), tuple(problems))
    return ImportPlan(tuple(items), ())


# ---- export ----------------------------------------------------------------------------------------


def _pack_entry(prompt: Prompt) -> dict[str, Any]:
    dumped = prompt.model_dump()
    entry: dict[str, Any] = {}
    for key in _PACK_KEYS:
        value = dumped.get(key)
        if value is None:
            continue
        if key == "stance":
            entry[key] = _stance_entry(prompt.stance)
            continue
        entry[key] = list(value) if isinstance(value, tuple) else value
    return entry


def _server_entry(prompt: ServerPrompt) -> dict[str, Any]:
    fields = prompt.fields
    if fields.review_id is not None:  # a pack-format prompt with the server's own id
        values: dict[str, Any] = {
            "id": prompt.prompt_id,
            "kind": fields.kind,
            "text": fields.text,
            "text_de": fields.text_de,
            "review": fields.review_id,
            "passage": fields.passage,
            "themes": list(fields.themes),
            "spoiler": fields.spoiler,
            "stance": _stance_entry(fields.stance),
            "note": fields.note,
        }
    else:
        values = {
            "id": prompt.prompt_id,
            "kind": fields.kind,
            "text": fields.text,
            "text_de": fields.text_de,
            "passage": fields.passage,
            "themes": list(fields.themes) or None,
            "spoiler": fields.spoiler,
            "stance": _stance_entry(fields.stance),
            "note": fields.note,
        }
    return {key: value for key, value in values.items() if value is not None}


def _stance_entry(stance: Stance | None) -> dict[str, Any] | None:
    """A stance as the pack writes it: question, question_de when there is one, answers with text(_de)."""
    if stance is None:
        return None
    return stance.model_dump(mode="json", exclude_none=True)


def render_export(
    shipped: Sequence[tuple[Prompt, bool]],
    own: Sequence[tuple[ServerPrompt, bool]],
) -> str:
    """The server's pool as YAML: shipped prompts in pack order, then the server's own, with their state."""
    entries: list[dict[str, Any]] = []
    for pack_prompt, enabled in shipped:
        entry = _pack_entry(pack_prompt)
        if not enabled:
            entry["enabled"] = False
        entries.append(entry)
    for server_prompt, enabled in own:
        entry = _server_entry(server_prompt)
        if not enabled:
            entry["enabled"] = False
        entries.append(entry)
    body = yaml.safe_dump(
        {"prompts": entries}, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False
    )
    return EXPORT_HEADER + body
