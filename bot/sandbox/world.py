"""The demo server the sandbox shows: "Whiplash Film Club" with a moderator and two members.

Built through the emulator's world helpers, exactly like the end-to-end tests build theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.emulator import Channel, DiscordEmulator, Guild, Member, Role, permissions
from bot.sandbox.events import add_watch_party_place

SERVER_NAME = "Whiplash Film Club"
SCHEDULE_TIME = "09:00"
SCHEDULE_ZONE = "Europe/Berlin"
# The bot's role as the README's invite link grants it (permission integer 309237763136).
BOT_PERMISSIONS = (
    permissions.VIEW_CHANNEL
    | permissions.SEND_MESSAGES
    | permissions.EMBED_LINKS
    | permissions.ATTACH_FILES
    | permissions.READ_MESSAGE_HISTORY
    | permissions.CREATE_PUBLIC_THREADS
    | permissions.SEND_MESSAGES_IN_THREADS
    | permissions.ADD_REACTIONS
)


# The Discord client languages of the personas, named in the reader's language (the persona panel's second line).
LANGUAGE_NAMES = {
    "en-US": {"en-US": "English", "de": "Englisch"},
    "de": {"en-US": "German", "de": "Deutsch"},
}


@dataclass(frozen=True)
class Persona:
    """A member the page can act as, with the Discord client language they use.

    `roles` says what they are in the server, by reader's language (German names a woman's role in its own
    form: Moderatorin); the page shows it with the persona's language, e.g. "Mitglied · Englisch".
    """

    member: Member
    locale: str
    roles: dict[str, str]

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def is_moderator(self) -> bool:
        return self.roles["en-US"] == "Moderator"

    def label(self, reader: str) -> str:
        """The persona panel's line under the name, in the reader's language, e.g. "Moderator · English"."""
        language = LANGUAGE_NAMES[self.locale]
        return f"{self.roles.get(reader, self.roles['en-US'])} · {language.get(reader, language['en-US'])}"


@dataclass(frozen=True)
class DemoWorld:
    guild: Guild
    general: Channel
    daily: Channel
    moderators: Role
    personas: tuple[Persona, ...]
    forum: Channel | None = None  # forum mode: `/schedule set channel:#question-forum` moves the daily post here

    def persona(self, user_id: int) -> Persona | None:
        return next((p for p in self.personas if p.id == user_id), None)

    @property
    def moderator(self) -> Persona:
        return self.personas[0]


MEMBER = {"en-US": "Member", "de": "Mitglied"}


def build_demo_world(emu: DiscordEmulator) -> DemoWorld:
    """Create the demo server before the bot connects (it arrives in the bot's READY)."""
    guild = emu.add_guild(SERVER_NAME, bot_permissions=BOT_PERMISSIONS)
    info = emu.add_category(guild, "Information")
    emu.add_text_channel(guild, "welcome", category=info, topic="Start here: try /film info")
    talk = emu.add_category(guild, "Film talk")
    general = emu.add_text_channel(guild, "general", category=talk, topic="Anything about the film")
    daily = emu.add_text_channel(guild, "daily-discussion", category=talk, topic="One question a day, with a thread")
    moderators = emu.add_role(guild, "Moderators", permissions=permissions.MANAGE_GUILD, color=0xE67E22, hoist=True)
    fletcher = emu.add_member(guild, "fletcher", roles=[moderators], global_name="Terence Fletcher")
    andrew = emu.add_member(guild, "andrew", global_name="Andrew Neiman")
    nicole = emu.add_member(guild, "nicole", global_name="Nicole")
    mona = emu.add_member(guild, "mona", roles=[moderators], global_name="Mona")
    add_watch_party_place(emu, guild)
    personas = (
        Persona(fletcher, "en-US", {"en-US": "Moderator", "de": "Moderator"}),
        Persona(andrew, "en-US", MEMBER),
        Persona(nicole, "de", MEMBER),
        Persona(mona, "de", {"en-US": "Moderator", "de": "Moderatorin"}),  # moderator screens in German
    )
    forum = add_demo_forum(emu, guild, talk)
    return DemoWorld(guild, general, daily, moderators, personas, forum)


# A forum for forum mode (SPEC §11): two tags of the server's own, and Manage Channels on this forum only, so the
# bot can create its post tags here (the README's invite link does not grant it server-wide).
FORUM_OWN_TAGS = ("Off-topic", "Fan art")


def add_demo_forum(emu: DiscordEmulator, guild: Guild, category: Channel) -> Channel:
    """The demo server's forum, as a moderator would set it up for forum mode."""
    forum = emu.add_forum_channel(
        guild, "question-forum", tags=FORUM_OWN_TAGS, category=category, topic="One post a day, tagged"
    )
    bot_role = next(role for role in guild.roles.values() if role.bot_id == emu.bot.id)
    emu.set_overwrite(forum, bot_role, allow=permissions.MANAGE_CHANNELS)
    return forum
