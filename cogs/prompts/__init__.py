"""/prompts: the server's prompt pool (list, add, edit, remove, enable, disable, queue, import, export), and
/suggest: members' suggestions with Approve/Reject buttons that work after a restart.

The pool is read from storage on every call, so this extension builds its own PromptPool; the daily poster's
pool sees the same prompts and states.
"""

from __future__ import annotations

from bot.client import WhiplashBot
from bot.discussion.pool import PromptPool
from cogs.prompts._commands import PromptCommands
from cogs.prompts._suggest import SuggestCommand


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(PromptCommands(bot, PromptPool(bot.content, bot.storage)))
    await bot.add_cog(SuggestCommand(bot))
