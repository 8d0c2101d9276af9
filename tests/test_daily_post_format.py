"""The daily post's pure formatting (bot/discussion/post.py): footer marker, passage quoting, source line."""

from __future__ import annotations

import dataclasses

import pytest

from bot.content import ContentPack
from bot.discussion.pool import from_pack
from bot.discussion.post import (
    PostSource,
    build_post_embed,
    daily_post_number,
    post_footer,
    post_source,
    quote_passage,
    source_line,
)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("number", [1, 12, 999, 1234, 10**7])
def test_the_footer_reads_as_words_and_gives_back_its_number_in_either_language(lang: str, number: int) -> None:
    footer = post_footer(lang, number)
    assert "#" not in footer and "·" not in footer
    assert daily_post_number(footer) == number


def test_other_footers_are_not_daily_posts() -> None:
    for footer in (
        None,
        "",
        "Question of the day no. ",
        "Page 1 of 3",
        "Question of the day no. 12 · extra",
        "#1 · 2026-11-21",
    ):
        assert daily_post_number(footer) is None


def test_a_spoiler_passage_hides_each_line_and_keeps_the_quote() -> None:
    assert quote_passage("one\n\ntwo", spoiler=True) == "> ||one||\n>\n> ||two||"
    assert quote_passage("one", spoiler=False) == "> one"


def test_the_source_never_says_what_is_unknown(content: ContentPack) -> None:
    for prompt in content.prompts:
        source = post_source(content, from_pack(prompt))
        assert source is not None
        for lang in ("en", "de"):
            line = source_line(lang, source)
            assert "unknown" not in line.lower() and "unbekannt" not in line.lower() and "not found" not in line
            assert line.strip()


def test_a_quoted_work_is_credited_as_itself(content: ContentPack) -> None:
    """A paragraph the essay took from Wikipedia is credited to Wikipedia, linked, with its licence."""
    wiki = next(e for e in content.excerpts_for("self-driven-ambition") if e.attribution.publication == "Wikipedia")
    prompt = from_pack(content.prompts_for("self-driven-ambition")[0])
    source = post_source(content, dataclasses.replace(prompt, passage=wiki.text))
    assert source is not None and source.credit is not None
    line = source_line("de", source)
    assert "Wikipedia" in line and "CC BY-SA" in line and "https://en.wikipedia.org/" in line


def test_author_and_site_are_named_when_known() -> None:
    source = PostSource(
        title="Trommeln",
        kind="review",
        language="de",
        author="Ann Example",
        site="example.org",
        url="https://example.org/a",
    )
    assert source_line("en", source) == "“[Trommeln](https://example.org/a)”, a review by Ann Example on example.org"
    assert (
        source_line("de", source) == "„[Trommeln](https://example.org/a)“, eine Kritik von Ann Example auf example.org"
    )


def test_a_prompt_without_a_passage_is_just_the_question(content: ContentPack) -> None:
    prompt = dataclasses.replace(from_pack(content.prompts[0]), passage=None, spoiler=False)
    embed = build_post_embed(prompt, number=3, lang="en", source=None)
    assert embed.title == prompt.text and embed.description is None and not embed.fields
    assert embed.footer.text == "Question of the day no. 3"
