"""/prompts: the server's prompt pool (list, add, edit, remove, enable, disable, queue, import, export), and
/suggest: members' suggestions with Approve/Reject buttons that work after a restart.

The pool is the bot's one PromptPool (`bot.services.pool`), the one the daily poster reads.
"""

from __future__ import annotations

from bot.client import WhiplashBot
from cogs.prompts._commands import PromptCommands
from cogs.prompts._suggest import SuggestCommand


async def setup(bot: WhiplashBot) -> None:
    storage = bot.storage
    await bot.add_cog(
        PromptCommands(bot, bot.services.pool, moderation=storage.moderation, discussion=storage.discussion)
    )
    await bot.add_cog(SuggestCommand(bot, moderation=storage.moderation, discussion=storage.discussion))
