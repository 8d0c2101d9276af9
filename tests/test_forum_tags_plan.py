"""Forum mode's tag choice and planning as plain functions (bot/discussion/forum.py)."""

from __future__ import annotations

import dataclasses

from bot.content import ContentPack
from bot.content.forum import families_of
from bot.discussion.forum import MAX_FORUM_TAGS, every_tag, plan_tags, post_tags
from bot.discussion.pool import PoolPrompt, from_pack


def pool_prompt(content: ContentPack, *, spoiler: bool) -> PoolPrompt:
    prompt = next(p for p in content.prompts if p.spoiler == spoiler and len(set(p.themes)) >= 4)
    return from_pack(prompt)


def test_a_spoiler_post_has_the_film_spoilers_and_at_most_three_theme_families(content: ContentPack) -> None:
    prompt = pool_prompt(content, spoiler=True)
    families = families_of(prompt.themes, content.theme_families)
    assert post_tags(prompt, content, "en") == ["Whiplash", "Spoilers", *(f.name for f in families)]
    assert post_tags(prompt, content, "de") == ["Whiplash", "Spoiler", *(f.name_de for f in families)]
    assert len(post_tags(prompt, content, "en")) <= 5


def test_a_post_without_a_spoiler_or_known_themes_has_the_film_tag_only(content: ContentPack) -> None:
    plain = dataclasses.replace(pool_prompt(content, spoiler=False), themes=("a-theme-of-our-own",))
    assert post_tags(plain, content, "en") == ["Whiplash"]


def test_missing_tags_are_created_in_order_while_there_is_room() -> None:
    own = [f"Own {i}" for i in range(17)]
    plan = plan_tags(own, ["Whiplash", "Spoilers", "Ambition", "Ethics"])
    assert plan.create == ("Whiplash", "Spoilers", "Ambition")  # 17 + 3 = 20
    assert plan.left_out == ("Ethics",)
    full = plan_tags([*own, "whiplash", "Spoilers", "Ambition"], ["Whiplash", "Ethics"])
    assert full.existing == ("Whiplash",) and full.create == () and full.left_out == ("Ethics",)  # case ignored


def test_without_manage_channels_nothing_is_created() -> None:
    plan = plan_tags(["Whiplash"], ["Whiplash", "Spoilers"], can_create=False)
    assert plan.existing == ("Whiplash",) and plan.create == () and plan.left_out == ("Spoilers",)


def test_every_tag_of_forum_mode_fits_one_forum_with_room_to_spare(content: ContentPack) -> None:
    for lang in ("en", "de"):
        names = every_tag(content, lang)
        assert len(names) == len({n.casefold() for n in names}) <= MAX_FORUM_TAGS - 3
        assert all(1 <= len(name) <= 20 for name in names)
