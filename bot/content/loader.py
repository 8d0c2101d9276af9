"""Load and check the content pack folder: film.yaml, facts.yaml, reviews.yaml, prompts.yaml, reviews/."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.excerpts import alignment_problems, build_blocks, build_excerpts
from bot.content.film import Film
from bot.content.forum import FORUM_TAGS_FILE, parse_theme_families
from bot.content.models import EXCERPT_ROLES, Excerpt, Fact, Prompt, Review, ReviewEntry
from bot.content.pack import ContentPack
from bot.content.problems import ContentError, Problem, describe_validation_error
from bot.content.questions import question_problem
from bot.content.types import TITLE_LIMIT
from bot.content.watchparty import WATCHPARTY_FILE, WatchPrompt, watchparty_problems
from bot.content.yaml_loading import DEFAULT_MAX_BYTES, YamlError, line_of, load_yaml_document
from bot.i18n import tr

__all__ = [
    "FACTS_FILE",
    "FILM_FILE",
    "PROMPTS_FILE",
    "REVIEWS_DIR",
    "REVIEWS_FILE",
    "check_content",
    "default_content_dir",
    "load_content",
    "parse_prompt_document",
]

FILM_FILE = "film.yaml"
FACTS_FILE = "facts.yaml"
REVIEWS_FILE = "reviews.yaml"
PROMPTS_FILE = "prompts.yaml"
REVIEWS_DIR = "reviews"

ModelT = TypeVar("ModelT", bound=BaseModel)


def default_content_dir() -> Path:
    """The shipped pack: ``bot/_content`` in an installed wheel, else the repository's ``content/``."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "_content"
    if installed.is_dir():
        return installed
    return package_dir.parent / "content"


def load_content(content_dir: Path) -> ContentPack:
    """Load and validate the pack in ``content_dir``; raise :class:`ContentError` listing every problem."""
    pack, problems = _load(Path(content_dir))
    if pack is None or problems:
        raise ContentError(problems)
    return pack


def check_content(content_dir: Path) -> list[Problem]:
    """Every problem in the pack in ``content_dir`` (an empty list when it is valid)."""
    return _load(Path(content_dir))[1]


# --- reading -----------------------------------------------------------------------------------


def _read_yaml(content_dir: Path, name: str, problems: list[Problem]) -> Any:
    path = content_dir / name
    if not path.is_file():
        problems.append(Problem(name, "", "file is missing"))
        return None
    try:
        return load_yaml_document(path, max_bytes=DEFAULT_MAX_BYTES)
    except YamlError as error:
        problems.append(Problem(name, f"line {error.line}" if error.line else "", error.message))
        return None


def _entries(data: Any, file: str, key: str, problems: list[Problem]) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        problems.append(Problem(file, "", f"expected a mapping with a '{key}' list"))
        return []
    extra = sorted(str(name) for name in data if name != key)
    if extra:
        problems.append(Problem(file, "", f"unknown top-level key(s): {', '.join(extra)}"))
    entries: list[Any] = data[key]
    return entries


def _label(kind: str, raw: Any, number: int, with_lines: bool = False) -> str:
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    label = f"{kind} '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"{kind} #{number}"
    line = line_of(raw)
    return f"{label} (line {line})" if with_lines and line is not None else label


def _validate_entries(
    model: type[ModelT],
    entries: Iterable[Any],
    file: str,
    kind: str,
    problems: list[Problem],
    with_lines: bool = False,
    *,
    lang: str = "en",
) -> list[tuple[str, ModelT]]:
    """Validate each entry on its own; report duplicates. Returns (label, model) pairs (reasons in `lang`)."""
    valid: list[tuple[str, ModelT]] = []
    first_seen: dict[str, str] = {}
    for number, raw in enumerate(entries, start=1):
        label = _label(kind, raw, number, with_lines)
        if not isinstance(raw, dict):
            problems.append(Problem(file, label, f"expected a mapping, got {type(raw).__name__}"))
            continue
        raw_id = raw.get("id")
        if isinstance(raw_id, str):
            if raw_id in first_seen:
                problems.append(Problem(file, label, f"duplicate id (first used by {first_seen[raw_id]})"))
                continue
            first_seen[raw_id] = f"{kind} #{number}"
        try:
            valid.append((label, model.model_validate(raw)))
        except ValidationError as error:
            problems.extend(Problem(file, label, reason) for reason in describe_validation_error(error, lang))
    return valid


# --- film and facts ----------------------------------------------------------------------------


def _load_film(content_dir: Path, problems: list[Problem]) -> Film | None:
    data = _read_yaml(content_dir, FILM_FILE, problems)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("film"), dict) or len(data) != 1:
        problems.append(Problem(FILM_FILE, "", "expected a mapping with only a 'film' mapping"))
        return None
    try:
        return Film.model_validate(data["film"])
    except ValidationError as error:
        problems.extend(Problem(FILM_FILE, "film", reason) for reason in describe_validation_error(error))
        return None


def _load_facts(content_dir: Path, problems: list[Problem]) -> list[tuple[str, Fact]]:
    data = _read_yaml(content_dir, FACTS_FILE, problems)
    return _validate_entries(Fact, _entries(data, FACTS_FILE, "facts", problems), FACTS_FILE, "fact", problems)


# --- reviews -----------------------------------------------------------------------------------


def _read_review_text(content_dir: Path, entry: ReviewEntry, label: str, problems: list[Problem]) -> str | None:
    reviews_dir = (content_dir / REVIEWS_DIR).resolve()
    path = (content_dir / entry.file).resolve()
    if not path.is_relative_to(reviews_dir):
        problems.append(Problem(REVIEWS_FILE, label, f"file {entry.file} is outside {REVIEWS_DIR}/"))
        return None
    if not path.is_file():
        problems.append(Problem(REVIEWS_FILE, label, f"file {entry.file} does not exist"))
        return None
    size = path.stat().st_size
    if size > DEFAULT_MAX_BYTES:
        problems.append(Problem(entry.file, label, f"file is too large ({size} bytes, limit {DEFAULT_MAX_BYTES})"))
        return None
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(entry.file, label, f"not valid UTF-8 (line {line}, byte {error.start})"))
        return None


def _review_problems(review: Review) -> list[str]:
    reasons: list[str] = []
    if not any(block.role in EXCERPT_ROLES for block in review.blocks):
        reasons.append("has no body or info paragraph")
    for block in review.blocks:
        if block.role in ("title", "heading") and len(block.text) > TITLE_LIMIT:
            reasons.append(f"paragraph {block.index} ({block.role}) is longer than {TITLE_LIMIT} characters")
    return reasons


def _load_reviews(content_dir: Path, problems: list[Problem]) -> tuple[list[Review], list[Excerpt]]:
    data = _read_yaml(content_dir, REVIEWS_FILE, problems)
    entries = _validate_entries(
        ReviewEntry, _entries(data, REVIEWS_FILE, "reviews", problems), REVIEWS_FILE, "review", problems
    )
    reviews: list[Review] = []
    excerpts: list[Excerpt] = []
    files_used: dict[str, str] = {}
    for label, entry in entries:
        if entry.file in files_used:
            problems.append(
                Problem(REVIEWS_FILE, label, f"file {entry.file} is already used by {files_used[entry.file]}")
            )
            continue
        files_used[entry.file] = label
        text = _read_review_text(content_dir, entry, label, problems)
        if text is None:
            continue
        misaligned = alignment_problems(text, entry.paragraphs)
        if misaligned:
            problems.extend(Problem(REVIEWS_FILE, label, reason) for reason in misaligned)
            continue
        leading, blocks = build_blocks(text, entry.paragraphs)
        review = Review(**dict(entry), text=text, leading=leading, blocks=blocks)
        reasons = _review_problems(review)
        if reasons:
            problems.extend(Problem(REVIEWS_FILE, label, reason) for reason in reasons)
            continue
        try:
            excerpts.extend(build_excerpts(review))
        except ValidationError as error:
            problems.extend(Problem(REVIEWS_FILE, label, reason) for reason in describe_validation_error(error))
            continue
        reviews.append(review)
    _report_unlisted_files(content_dir, files_used, problems)
    return reviews, excerpts


def _report_unlisted_files(content_dir: Path, files_used: Mapping[str, str], problems: list[Problem]) -> None:
    reviews_dir = content_dir / REVIEWS_DIR
    if not reviews_dir.is_dir():
        return
    for path in sorted(reviews_dir.iterdir()):
        if path.name.startswith("."):  # editor and OS litter, not content
            continue
        name = f"{REVIEWS_DIR}/{path.name}"
        if name not in files_used:
            problems.append(Problem(name, "", f"not listed in {REVIEWS_FILE}"))


# --- prompts -----------------------------------------------------------------------------------


def _passage_is_spoiler(review: Review, start: int, end: int) -> bool:
    """A passage is a spoiler when its review is, or when it overlaps a spoiler paragraph."""
    return review.spoiler or any(
        block.meta.spoiler for block in review.blocks if block.start < end and start < block.end
    )


def _question_reasons(prompt: Prompt) -> list[str]:
    """Both texts are complete questions that stand alone, each checked in its own language."""
    reasons = []
    for field, text, language in (("text", prompt.text, "en"), ("text_de", prompt.text_de, "de")):
        if text is None:
            continue
        problem = question_problem(text, language)
        if problem is not None:
            reasons.append(problem.reason(field))
    return reasons


def _asks_reasons(prompt: Prompt, review: Review) -> list[str]:
    """A seed question names the review's question verbatim; when it stands alone, it is the prompt."""
    if prompt.kind == "drawn":
        return ["asks is only for seed questions (kind: seed-question)"] if prompt.asks is not None else []
    if prompt.asks is None:
        return ["asks is missing (a seed question names the review's question, verbatim)"]
    if prompt.asks not in prompt.passage:
        return ["asks must occur verbatim in the passage"]
    field, question = ("text_de", prompt.text_de) if review.language == "de" else ("text", prompt.text)
    if question_problem(prompt.asks, review.language) is None and question != prompt.asks:
        return [f"asks is a complete question on its own, so {field} must be it as written: {prompt.asks!r}"]
    return []


def _translation_reasons(prompt: Prompt, review: Review, *, required: bool) -> list[str]:
    """The project's translation of the passage, in the other language than the review's."""
    other = "de" if review.language == "en" else "en"
    reasons = []
    if review.language in prompt.passage_translation:
        reasons.append(f"passage_translation.{review.language} is the review's own language: translate into {other}")
    if required and other not in prompt.passage_translation:
        reasons.append(f"passage_translation.{other} is missing (the passage translated into {other})")
    return reasons


def _prompt_reasons(
    prompt: Prompt, reviews: Mapping[str, Review], *, pack: bool, questions: bool, lang: str = "en"
) -> list[str]:
    review = reviews.get(prompt.review)
    if review is None:
        return [tr(lang, "import.review_missing", review=prompt.review)]
    reasons: list[str] = []
    start = review.text.find(prompt.passage)
    if start < 0:
        reasons.append(tr(lang, "import.passage_not_in_review", review=review.id, start=repr(prompt.passage[:60])))
    elif not prompt.spoiler and _passage_is_spoiler(review, start, start + len(prompt.passage)):
        reasons.append(tr(lang, "import.spoiler_mismatch"))
    if questions:
        reasons.extend(_question_reasons(prompt))
    if pack and prompt.text_de is None:
        reasons.append("text_de is missing (every shipped prompt is asked in German too)")
    if pack and prompt.stance is not None and not prompt.stance.german:
        reasons.append("stance.question_de is missing (every shipped stance is asked in German too)")
    reasons.extend(_asks_reasons(prompt, review))
    reasons.extend(_translation_reasons(prompt, review, required=pack))
    return reasons


def parse_prompt_document(
    data: Any,
    reviews: Mapping[str, Review],
    *,
    file: str = PROMPTS_FILE,
    with_lines: bool = False,
    pack: bool = True,
    questions: bool = True,
    lang: str = "en",
) -> tuple[list[Prompt], list[Problem]]:
    """Validate a parsed prompt document (``{"prompts": [...]}``) against the known reviews.

    Shared by the pack loader and the prompt import; ``with_lines`` adds each entry's line number. A pack
    prompt must carry the passage's translation; an imported one (``pack=False``) may leave it out. The import
    checks the question rules itself (``questions=False``), to say what is wrong in the moderator's language.
    """
    problems: list[Problem] = []
    entries = _validate_entries(
        Prompt, _entries(data, file, "prompts", problems), file, "prompt", problems, with_lines, lang=lang
    )
    prompts: list[Prompt] = []
    for label, prompt in entries:
        reasons = _prompt_reasons(prompt, reviews, pack=pack, questions=questions, lang=lang)
        problems.extend(Problem(file, label, reason) for reason in reasons)
        if not reasons:
            prompts.append(prompt)
    return prompts, problems


# --- watch party -------------------------------------------------------------------------------


def _load_watchparty(
    content_dir: Path, facts: list[tuple[str, Fact]], problems: list[Problem]
) -> tuple[WatchPrompt, ...]:
    """The watch party's prompts in file order (the film's order), each checked against the story facts."""
    data = _read_yaml(content_dir, WATCHPARTY_FILE, problems)
    if data is None:
        return ()
    entries = _validate_entries(
        WatchPrompt, _entries(data, WATCHPARTY_FILE, "watchparty", problems), WATCHPARTY_FILE, "prompt", problems
    )
    if any(problem.file == FACTS_FILE for problem in problems):
        return tuple(prompt for _label, prompt in entries)  # the facts are broken: that is the problem to report
    problems.extend(watchparty_problems(entries, {fact.id: fact for _label, fact in facts}))
    return tuple(prompt for _label, prompt in entries)


# --- cross-checks ------------------------------------------------------------------------------


def _source_refs(value: Any) -> Iterable[str]:
    """Every string under a 'source', 'sources' or 'see_also' key of a dumped model."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("source", "sources", "see_also"):
                yield from ([item] if isinstance(item, str) else item)
            else:
                yield from _source_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _source_refs(item)


def _check_review_refs(content_dir: Path, file: str, label: str, model: BaseModel, problems: list[Problem]) -> None:
    for ref in _source_refs(model.model_dump()):
        if ref.startswith(f"{REVIEWS_DIR}/") and not (content_dir / ref).is_file():
            problems.append(Problem(file, label, f"source {ref} does not exist"))


def _load(content_dir: Path) -> tuple[ContentPack | None, list[Problem]]:
    problems: list[Problem] = []
    if not content_dir.is_dir():
        return None, [Problem(str(content_dir), "", "content folder does not exist")]
    film = _load_film(content_dir, problems)
    facts = _load_facts(content_dir, problems)
    reviews, excerpts = _load_reviews(content_dir, problems)
    prompts, prompt_problems = parse_prompt_document(
        _read_yaml(content_dir, PROMPTS_FILE, problems), {review.id: review for review in reviews}
    )
    problems.extend(prompt_problems)
    pack_themes = {theme for excerpt in excerpts for theme in excerpt.themes}
    pack_themes.update(theme for prompt in prompts for theme in prompt.themes)
    families, family_problems = parse_theme_families(_read_yaml(content_dir, FORUM_TAGS_FILE, problems), pack_themes)
    problems.extend(family_problems)
    watch = _load_watchparty(content_dir, facts, problems)
    if film is not None:
        _check_review_refs(content_dir, FILM_FILE, "film", film, problems)
    for label, fact in facts:
        _check_review_refs(content_dir, FACTS_FILE, label, fact, problems)
    if film is None or problems:
        return None, problems
    pack = ContentPack(
        film=film,
        facts=tuple(fact for _label_, fact in facts),
        reviews=tuple(reviews),
        excerpts=tuple(excerpts),
        prompts=tuple(prompts),
        root=str(content_dir),
        theme_families=families,
        watchparty=watch,
    )
    return pack, []
