"""The garbage collector's settings for a long-running bot process (`whiplash-bot run`).

CPython's cyclic collector runs a young-generation pass every 700 net allocations of container objects, and
each pass walks every young object: with discord.py's message cache (the last 1,000 messages, each a dozen
objects) that is the whole cache's recent part. A bot whose work per message keeps one object alive for a
while (the reply logger queues a record until its batch is written, up to 1,000) makes such a pass every 700
messages; `python -m bench` measured 51–59 of them per 28,000 logged messages, 1.3 ms each (up to 6 ms),
2.6 µs a message, against none while the same bot ran without the logger (its allocations and frees balance).
The full collections walk the ~90,000 objects of the start-up (the content pack, pydantic's models, Babel's
data, discord.py): 55–70 ms each here, 3–4 ms once those are frozen.

So the process freezes what the start-up built (it lives as long as the process) and raises the young
generation's threshold, as Python 3.13 did (to 2,000) and large Python services do. Cyclic garbage is still
collected, less often; memory freed by reference counting, nearly all of it, is freed at once as before.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

YOUNG_THRESHOLD = 10_000  # net container allocations between young collections (CPython's default: 700)


def tune_gc() -> None:
    """Freeze the objects built so far and collect the young generation less often; call once, before login.

    After a full collection, so that no garbage of the start-up is frozen (a frozen cycle is never freed).
    The servers' state that READY brings is not frozen: a server the bot leaves is freed as before.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    frozen = gc.get_freeze_count()
    log.debug("Garbage collector: %d start-up objects frozen, young threshold %d", frozen, YOUNG_THRESHOLD)
