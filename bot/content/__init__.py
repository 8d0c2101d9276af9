"""The content pack: film record, facts, reviews with their excerpts, and discussion prompts.

Load it once at start-up with :func:`load_content` (``default_content_dir()`` for the shipped pack);
``whiplash-bot check`` uses :func:`check_content` to list every problem as ``file: entry: reason``.
"""

from bot.content.excerpts import Chunk, build_excerpts, find_paragraphs, reassemble, split_paragraph
from bot.content.film import Film, Sourced
from bot.content.loader import check_content, default_content_dir, load_content, parse_prompt_document
from bot.content.models import Attribution, Block, Excerpt, Fact, ParagraphMeta, Prompt, Review, Stance, StanceAnswer
from bot.content.pack import ContentPack
from bot.content.problems import ContentError, Problem
from bot.content.types import (
    EXCERPT_LIMIT,
    FACT_CATEGORIES,
    FACT_TEXT_LIMIT,
    PROMPT_TEXT_LIMIT,
    TITLE_LIMIT,
)
from bot.content.yaml_loading import DEFAULT_MAX_ALIASES, DEFAULT_MAX_BYTES, YamlError, load_yaml_document

__all__ = [
    "DEFAULT_MAX_ALIASES",
    "DEFAULT_MAX_BYTES",
    "EXCERPT_LIMIT",
    "FACT_CATEGORIES",
    "FACT_TEXT_LIMIT",
    "PROMPT_TEXT_LIMIT",
    "TITLE_LIMIT",
    "Attribution",
    "Block",
    "Chunk",
    "ContentError",
    "ContentPack",
    "Excerpt",
    "Fact",
    "Film",
    "ParagraphMeta",
    "Problem",
    "Prompt",
    "Review",
    "Sourced",
    "Stance",
    "StanceAnswer",
    "YamlError",
    "build_excerpts",
    "check_content",
    "default_content_dir",
    "find_paragraphs",
    "load_content",
    "load_yaml_document",
    "parse_prompt_document",
    "reassemble",
    "split_paragraph",
]
