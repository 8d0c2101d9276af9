"""Pure scheduling logic for the daily discussion post (SPEC §5 `/schedule`, §6).

Nothing here talks to Discord or the database. The functions fall into five groups:

* Parsing and formatting moderator input: :func:`parse_time`, :func:`parse_days`, :func:`format_days`,
  :func:`describe_days` (in the member's language), :func:`resolve_timezone` and :func:`search_timezones` (for
  option autocomplete). Bad input raises :class:`ScheduleInputError`, whose :meth:`~ScheduleInputError.text` is
  one sentence in the member's language saying what was wrong and what is accepted.
* Run times across daylight-saving changes: :func:`scheduled_instant`, :func:`next_run`, :func:`local_date`.
  A local time that does not exist on a day (spring-forward gap) runs at the first valid minute after it;
  an ambiguous local time (fall-back) runs once, at its first occurrence.
* The exactly-once decision: :func:`is_due` and :func:`daily_nonce`; schedule changes that neither skip nor
  double a day: :func:`run_after_change`, :func:`wait_for_previous_day`, :func:`day_end`.
* Rotation: :func:`choose_prompt`.
* Presentation: :func:`thread_name`.

All instants going in must be timezone-aware; all instants coming out are aware UTC datetimes. Weekdays are
integers with 0 = Monday … 6 = Sunday, as :meth:`datetime.date.weekday` returns them.
"""

from bot.scheduling._common import ALL_DAYS, WEEKDAYS, WEEKENDS, ScheduleInputError
from bot.scheduling.parsing import describe_days, format_days, parse_days, parse_time
from bot.scheduling.rotation import choose_prompt, thread_name
from bot.scheduling.runs import (
    daily_nonce,
    day_end,
    is_due,
    local_date,
    next_run,
    run_after_change,
    scheduled_instant,
    wait_for_previous_day,
)
from bot.scheduling.zones import resolve_timezone, search_timezones

__all__ = [
    "ALL_DAYS",
    "WEEKDAYS",
    "WEEKENDS",
    "ScheduleInputError",
    "choose_prompt",
    "daily_nonce",
    "day_end",
    "describe_days",
    "format_days",
    "is_due",
    "local_date",
    "next_run",
    "parse_days",
    "parse_time",
    "resolve_timezone",
    "run_after_change",
    "scheduled_instant",
    "search_timezones",
    "thread_name",
    "wait_for_previous_day",
]
