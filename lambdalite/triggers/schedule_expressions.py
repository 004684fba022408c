"""Schedule expressions of EventBridge rules and EventBridge Scheduler: ``rate()``, ``cron()``,
``at()``.

:func:`parse_rule_expression` reads a rule's ``ScheduleExpression`` (``rate`` and ``cron``,
always in UTC); :func:`parse_scheduler_expression` reads a schedule's (``at`` too, evaluated in
the schedule's ``ScheduleExpressionTimezone``). Both raise :class:`ScheduleExpressionError` with
the message the service answers. Every expression computes ``next_after(instant)``: the first
due time strictly after an instant, or None when the schedule has no more.

Semantics, and where they come from:

* ``rate(value unit)``: a positive integer and ``minute(s)|hour(s)|day(s)``. EventBridge rules
  insist on the singular for 1 and the plural otherwise (``rate(1 hours)``, ``rate(5 hour)``,
  ``rate(10 MINUTES)``, ``rate( 10 minutes )`` and a leading space are all refused with
  "Parameter ScheduleExpression is not valid." in localstack's AWS-validated
  tests/aws/services/events/test_events_schedule.py). Scheduler takes ``rate(2 minute)``
  (localstack's AWS-validated scheduler test_update_schedule updates to it). A rate counts whole
  periods from an anchor (a rule's creation, a schedule's StartDate); a day is 24 hours even
  across daylight saving time (Scheduler user guide, "Daylight saving time").
* ``cron(minutes hours day-of-month month day-of-week year)``: exactly six fields (AWS user
  guide eb-scheduled-rule-pattern / Scheduler schedule-types): minutes 0-59, hours 0-23,
  day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 = Sunday), year
  1970-2199; ``, - * /`` everywhere except day-of-week, which has ``, - * ? L #`` instead of
  ``/``; ``? L W`` in day-of-month. Exactly one of day-of-month and day-of-week is ``?``
  (``cron(0 1 * * * *)`` is refused: localstack's AWS-recorded scheduler snapshot). Ranges may
  wrap (``FRI-MON``, hours ``22-2``). ``L``, ``W`` and ``#`` stand alone in their field, as in
  Quartz, the cron dialect AWS's is modelled on ("only one # expression").
* ``at(yyyy-mm-ddThh:mm:ss)``: local time in the schedule's zone, no offset
  (``at(2021-12-31T23:59:59Z)`` and ``at(2021-12-31)`` are refused; a date in the past is
  accepted: localstack's AWS-validated scheduler tests).
* Time zones (Scheduler): a cron time that does not exist when clocks spring forward is
  skipped; one that happens twice when they fall back fires once, at its first occurrence
  (re:Post knowledge center "eventbridge-scheduler-adjust-dst"; Scheduler user guide).

Written here rather than taken from croniter: croniter's five/six-field grammar has seconds, not
years, numbers day-of-week 0-6 from Sunday, has no ``?``, and ORs day-of-month with day-of-week
where AWS requires one of them to be ``?``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

__all__ = [
    "At",
    "Cron",
    "Expression",
    "Rate",
    "ScheduleExpressionError",
    "parse_rule_expression",
    "parse_scheduler_expression",
]

RULE_INVALID: Final = "Parameter ScheduleExpression is not valid."
MINUTE: Final = timedelta(minutes=1)
MIN_YEAR, MAX_YEAR = 1970, 2199


class ScheduleExpressionError(ValueError):
    """An expression the service refuses; ``str(error)`` is the service's message, ``reason``
    says what is wrong (for logs and tests)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class _Invalid(ValueError):
    """Why an expression is invalid, before the service words it."""


# --- rate() ------------------------------------------------------------------------------------

_UNIT_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400}
_RATE: Final = re.compile(r"rate\(([0-9]+) (minute|hour|day)(s?)\)")


@dataclass(frozen=True, slots=True)
class Rate:
    """``rate(value unit)``: every ``seconds`` from an anchor."""

    text: str
    seconds: int

    def next_after(
        self, after: datetime, *, anchor: datetime | None = None, zone: tzinfo = UTC
    ) -> datetime | None:
        """The first ``anchor + k * period`` (k >= 0) strictly after ``after``."""
        start = anchor if anchor is not None else after
        if after < start:
            return start
        periods = int((after - start).total_seconds() // self.seconds) + 1
        return start + timedelta(seconds=periods * self.seconds)


def _rate(text: str, *, strict_plural: bool) -> Rate:
    found = _RATE.fullmatch(text)
    if found is None:
        raise _Invalid("not rate(value unit)")
    value, unit, plural = int(found.group(1)), found.group(2), found.group(3)
    if value < 1:
        raise _Invalid("the value must be positive")
    if strict_plural and (value == 1) == bool(plural):
        raise _Invalid("1 takes the singular unit, other values the plural")
    return Rate(text, value * _UNIT_SECONDS[unit])


# --- at() --------------------------------------------------------------------------------------

_AT: Final = re.compile(r"at\(([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\)")


@dataclass(frozen=True, slots=True)
class At:
    """``at(...)``: once, at a wall-clock time of the schedule's zone."""

    text: str
    local: datetime  # naive

    def next_after(
        self, after: datetime, *, anchor: datetime | None = None, zone: tzinfo = UTC
    ) -> datetime | None:
        due = self.local.replace(tzinfo=zone).astimezone(UTC)
        return due if due > after else None

    def due(self, zone: tzinfo = UTC) -> datetime:
        return self.local.replace(tzinfo=zone).astimezone(UTC)


def _at(text: str) -> At:
    found = _AT.fullmatch(text)
    if found is None:
        raise _Invalid("not at(yyyy-mm-ddThh:mm:ss)")
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    try:
        return At(text, datetime(year, month, day, hour, minute, second))
    except ValueError as error:
        raise _Invalid(str(error)) from None


# --- cron(): fields ----------------------------------------------------------------------------

_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_WEEKDAYS: Final = {
    name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)
}


@dataclass(frozen=True, slots=True)
class _Field:
    """What one field of a cron expression accepts."""

    name: str
    low: int
    high: int
    names: dict[str, int]
    steps: bool  # whether ``/`` is allowed
    wraps: bool  # whether a range may wrap around (not the year)


_MINUTES = _Field("minutes", 0, 59, {}, True, True)
_HOURS = _Field("hours", 0, 23, {}, True, True)
_DAYS_OF_MONTH = _Field("day-of-month", 1, 31, {}, True, True)
_MONTH_FIELD = _Field("month", 1, 12, _MONTHS, True, True)
_DAYS_OF_WEEK = _Field("day-of-week", 1, 7, _WEEKDAYS, False, True)
_YEARS = _Field("year", MIN_YEAR, MAX_YEAR, {}, True, False)


def _value(text: str, field: _Field) -> int:
    """One value of a field: a number or (month, weekday) a name."""
    upper = text.upper()
    if upper in field.names:
        return field.names[upper]
    if not text.isdigit() or not text.isascii():
        raise _Invalid(f"{text!r} is not a {field.name} value")
    number = int(text)
    if not field.low <= number <= field.high:
        raise _Invalid(f"{number} is outside {field.name} {field.low}-{field.high}")
    return number


def _span(first: int, last: int, field: _Field) -> list[int]:
    """first..last, wrapping past the field's end where the field allows it."""
    if first <= last:
        return list(range(first, last + 1))
    if not field.wraps:
        raise _Invalid(f"{field.name} range {first}-{last} runs backwards")
    return list(range(first, field.high + 1)) + list(range(field.low, last + 1))


def _item(text: str, field: _Field) -> set[int]:
    """One comma-separated item: ``*``, ``n``, ``a-b``, with an optional ``/step``."""
    base, slash, step_text = text.partition("/")
    if slash and not field.steps:
        raise _Invalid(f"{field.name} takes no increments")
    if base == "*":
        values = list(range(field.low, field.high + 1))
    elif "-" in base:
        first, _, last = base.partition("-")
        values = _span(_value(first, field), _value(last, field), field)
    else:
        start = _value(base, field)
        values = _span(start, field.high, field) if slash else [start]
    if not slash:
        return set(values)
    if not step_text.isdigit() or not step_text.isascii() or int(step_text) < 1:
        raise _Invalid(f"bad increment {step_text!r}")
    return set(values[:: int(step_text)])


def _values(text: str, field: _Field) -> frozenset[int]:
    if text == "":
        raise _Invalid(f"empty {field.name}")
    found: set[int] = set()
    for item in text.split(","):
        found |= _item(item, field)
    return frozenset(found)


# --- cron(): the day fields --------------------------------------------------------------------


def _aws_weekday(year: int, month: int, day: int) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int) -> int | None:
    """``dayW``: the weekday nearest ``day`` without leaving the month (Quartz semantics)."""
    length = calendar.monthrange(year, month)[1]
    if day > length:
        return None
    weekday = _aws_weekday(year, month, day)
    if weekday == 7:  # Saturday: Friday before, or Monday after when that is the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday: Monday after, or Friday before when the month ends
        return day + 1 if day < length else day - 2
    return day


@dataclass(frozen=True, slots=True)
class _DaysOfMonth:
    """Day-of-month: a set of days, ``L`` (last day) or ``nW`` (nearest weekday)."""

    days: frozenset[int]
    last: bool = False
    nearest: int | None = None

    def in_month(self, year: int, month: int) -> list[int]:
        length = calendar.monthrange(year, month)[1]
        if self.last:
            return [length]
        if self.nearest is not None:
            found = _nearest_weekday(year, month, self.nearest)
            return [] if found is None else [found]
        return sorted(day for day in self.days if day <= length)


@dataclass(frozen=True, slots=True)
class _DaysOfWeek:
    """Day-of-week: a set of weekdays, ``nL`` (last such weekday) or ``n#k`` (k-th one)."""

    weekdays: frozenset[int]
    last: bool = False
    nth: int = 0

    def in_month(self, year: int, month: int) -> list[int]:
        length = calendar.monthrange(year, month)[1]
        days = [d for d in range(1, length + 1) if _aws_weekday(year, month, d) in self.weekdays]
        if self.last:
            return days[-1:]
        if self.nth:
            return days[self.nth - 1 : self.nth]
        return days


_DAY_OF_MONTH_SPECIAL: Final = re.compile(r"([0-9]+)W")
_DAY_OF_WEEK_NTH: Final = re.compile(r"([0-9A-Za-z]+)#([0-9]+)")
_DAY_OF_WEEK_LAST: Final = re.compile(r"([0-9A-Za-z]+)L")


def _days_of_month(text: str) -> _DaysOfMonth:
    if text == "L":
        return _DaysOfMonth(frozenset(), last=True)
    nearest = _DAY_OF_MONTH_SPECIAL.fullmatch(text)
    if nearest:
        return _DaysOfMonth(frozenset(), nearest=_value(nearest.group(1), _DAYS_OF_MONTH))
    if "L" in text or "W" in text:
        raise _Invalid("L and W stand alone in day-of-month")
    return _DaysOfMonth(_values(text, _DAYS_OF_MONTH))


def _days_of_week(text: str) -> _DaysOfWeek:
    if text == "L":  # alone, L is the last day of the week: Saturday
        return _DaysOfWeek(frozenset({7}))
    nth = _DAY_OF_WEEK_NTH.fullmatch(text)
    if nth:
        week = int(nth.group(2))
        if not 1 <= week <= 5:
            raise _Invalid("# takes a week from 1 to 5")
        return _DaysOfWeek(frozenset({_value(nth.group(1), _DAYS_OF_WEEK)}), nth=week)
    last = _DAY_OF_WEEK_LAST.fullmatch(text)
    if last:
        return _DaysOfWeek(frozenset({_value(last.group(1), _DAYS_OF_WEEK)}), last=True)
    if "#" in text or "L" in text.upper():
        raise _Invalid("L and # stand alone in day-of-week")
    return _DaysOfWeek(_values(text, _DAYS_OF_WEEK))


# --- cron(): the expression --------------------------------------------------------------------

_CRON: Final = re.compile(r"cron\((.*)\)", re.S)


@dataclass(frozen=True, slots=True)
class Cron:
    """``cron(...)``: the minutes, hours, days, months and years it fires in."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: _DaysOfMonth | _DaysOfWeek
    months: tuple[int, ...]
    years: tuple[int, ...]

    def days_in(self, year: int, month: int) -> list[int]:
        return self.days.in_month(year, month)

    def matches(self, local: datetime) -> bool:
        """Whether a wall-clock minute is one of the expression's."""
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and local.year in self.years
            and local.day in self.days_in(local.year, local.month)
        )

    def next_after(
        self, after: datetime, *, anchor: datetime | None = None, zone: tzinfo = UTC
    ) -> datetime | None:
        """The first instant strictly after ``after`` whose wall clock in ``zone`` matches.

        A wall-clock time that does not exist in the zone is skipped; one that exists twice
        counts at its first occurrence only (Scheduler's daylight saving time rules).
        """
        local = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        while (candidate := self._next_local(local)) is not None:
            instant = _instant(candidate, zone)
            if instant is not None and instant > after:
                return instant
            local = candidate + MINUTE
        return None

    def _next_local(self, start: datetime) -> datetime | None:
        """The first matching wall-clock minute at or after ``start`` (naive)."""
        for year in self.years:
            if year < start.year:
                continue
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                found = self._in_month(year, month, start)
                if found is not None:
                    return found
        return None

    def _in_month(self, year: int, month: int, start: datetime) -> datetime | None:
        for day in self.days_in(year, month):
            moment = datetime(year, month, day)
            if moment.date() < start.date():
                continue
            found = self._in_day(moment, start)
            if found is not None:
                return found
        return None

    def _in_day(self, day: datetime, start: datetime) -> datetime | None:
        same_day = day.date() == start.date()
        for hour in self.hours:
            if same_day and hour < start.hour:
                continue
            for minute in self.minutes:
                if same_day and (hour, minute) < (start.hour, start.minute):
                    continue
                return day.replace(hour=hour, minute=minute)
        return None


def _instant(local: datetime, zone: tzinfo) -> datetime | None:
    """The UTC instant of a wall-clock time (its first occurrence), None if it never happens."""
    aware = local.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return aware.astimezone(UTC) if back == local else None


def _cron(text: str) -> Cron:
    found = _CRON.fullmatch(text)
    if found is None:
        raise _Invalid("not cron(...)")
    fields = found.group(1).split(" ")
    if len(fields) != 6:
        raise _Invalid("cron takes six fields")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    days = _day_fields(day_of_month, day_of_week)
    return Cron(
        text,
        minutes=tuple(sorted(_values(minutes, _MINUTES))),
        hours=tuple(sorted(_values(hours, _HOURS))),
        days=days,
        months=tuple(sorted(_values(month, _MONTH_FIELD))),
        years=tuple(sorted(_values(year, _YEARS))),
    )


def _day_fields(day_of_month: str, day_of_week: str) -> _DaysOfMonth | _DaysOfWeek:
    """Exactly one of the two day fields is ``?``; the other says which days."""
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _Invalid("exactly one of day-of-month and day-of-week must be ?")
    if day_of_month == "?":
        return _days_of_week(day_of_week)
    return _days_of_month(day_of_month)


# --- entry points ------------------------------------------------------------------------------

Expression = Rate | Cron | At


def parse_rule_expression(text: str) -> Rate | Cron:
    """An EventBridge rule's ScheduleExpression (UTC; no ``at``)."""
    try:
        if text.startswith("rate("):
            return _rate(text, strict_plural=True)
        if text.startswith("cron("):
            return _cron(text)
        raise _Invalid("not rate() or cron()")
    except _Invalid as error:
        raise ScheduleExpressionError(RULE_INVALID, str(error)) from None


def parse_scheduler_expression(text: str) -> Expression:
    """An EventBridge Scheduler schedule's ScheduleExpression."""
    try:
        if text.startswith("rate("):
            return _rate(text, strict_plural=False)
        if text.startswith("cron("):
            return _cron(text)
        if text.startswith("at("):
            return _at(text)
        raise _Invalid("not at(), rate() or cron()")
    except _Invalid as error:
        # localstack's AWS-recorded scheduler snapshot: "Invalid Schedule Expression <text>."
        raise ScheduleExpressionError(f"Invalid Schedule Expression {text}.", str(error)) from None
