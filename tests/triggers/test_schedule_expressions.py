"""Schedule expressions: AWS's rate/cron/at grammar, its refusals, and next due times.

Expected refusals are AWS's: localstack's AWS-validated test_events_schedule.py (rules) and its
AWS-recorded scheduler snapshot (Scheduler). Next due times are checked against the AWS user
guide's examples and, by property, against a reference search written independently here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdalite.triggers.schedule_expressions import (
    At,
    Cron,
    Rate,
    ScheduleExpressionError,
    parse_rule_expression,
    parse_scheduler_expression,
)

START = datetime(2024, 3, 9, 12, 0, 30, tzinfo=UTC)  # a Saturday


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def following(expression: str, after: datetime, count: int, zone: str = "UTC") -> list[datetime]:
    parsed = parse_scheduler_expression(expression)
    found, moment = [], after
    for _ in range(count):
        moment = parsed.next_after(moment, zone=ZoneInfo(zone))  # type: ignore[assignment]
        found.append(moment)
    return found


# --- the grammar -------------------------------------------------------------------------------

VALID_RULE_EXPRESSIONS = [
    # localstack's AWS-recorded test_events_schedule snapshot and the user guide's examples
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 20-23 ? * MON-FRI *)",
    "cron(0/30 0-2 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(15 10 ? * 6L 2019-2022)",
    "cron(0 12 L * ? *)",
    "cron(0 12 15W * ? *)",
    "cron(0 22-2 * * ? *)",
    "cron(*/5 * ? * SAT,SUN *)",
    "cron(0 0 1 JAN-MAR,OCT ? 2030)",
    "cron(0 0 ? * L *)",
]


@pytest.mark.parametrize("expression", VALID_RULE_EXPRESSIONS)
def test_rules_accept_aws_examples(expression: str) -> None:
    assert parse_rule_expression(expression).text == expression
    assert parse_scheduler_expression(expression).text == expression


@pytest.mark.parametrize(
    "expression",
    [
        # localstack's AWS-validated test_put_rule_with_invalid_schedule_rate
        "rate(10 seconds)",
        "rate(10 years)",
        "rate(1 minutes)",
        "rate(1 hours)",
        "rate(1 days)",
        "rate(10 minute)",
        "rate(10 hour)",
        "rate(10 day)",
        "rate()",
        "rate(10)",
        "rate(10 minutess)",
        "rate(foo minutes)",
        "rate(0 minutes)",
        "rate(-10 minutes)",
        "rate(10 MINUTES)",
        "rate( 10 minutes )",
        " rate(10 minutes)",
        # the cron grammar (user guide table; AWS-recorded scheduler refusals)
        "cron(0 1 * * * *)",
        "cron(7 20 * * NOT *)",
        "cron(INVALID)",
        "cron(0 dummy ? * MON-FRI *)",
        "cron(71 8 1 * ? *)",
        "cron()",
        "cron(0 9 ? * ? *)",
        "cron(0 9 * * ? * *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 ? 13 * *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? * 2#6 *)",
        "cron(0 0 ? * 2#1,3#1 *)",
        "cron(0 0 ? * 1/2 *)",
        "cron(0 0 L,15 * ? *)",
        "cron(0 0 1 * ? 1969)",
        "cron(0 0 1 * ? 2030-2025)",
        "cron(0/0 * * * ? *)",
        "cron(0  0 * * ? *)",
        "at(2030-01-01T00:00:00)",  # rules have no one-time schedules
        "every 5 minutes",
    ],
)
def test_rules_refuse_what_aws_refuses(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_rule_expression(expression)
    assert str(raised.value) == "Parameter ScheduleExpression is not valid."


@pytest.mark.parametrize(
    "expression",
    [
        # localstack's AWS-recorded scheduler snapshot, tests_create_schedule_with_invalid_...
        "cron(0 1 * * * *)",
        "cron(7 20 * * NOT *)",
        "cron(INVALID)",
        "cron(0 dummy ? * MON-FRI *)",
        "cron(71 8 1 * ? *)",
        "cron()",
        "rate(10 seconds)",
        "rate(10 years)",
        "rate()",
        "rate(10)",
        "rate(10 minutess)",
        "rate(foo minutes)",
        "rate(-10 minutes)",
        "rate( 10 minutes )",
        " rate(10 minutes)",
        "at(2021-12-31T23:59:59Z)",
        "at(2021-12-31)",
        "at(2021-02-30T00:00:00)",
    ],
)
def test_scheduler_refuses_what_aws_refuses(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_scheduler_expression(expression)
    assert str(raised.value) == f"Invalid Schedule Expression {expression}."


def test_scheduler_takes_a_singular_unit_and_past_dates() -> None:
    # Both recorded as accepted by AWS (localstack's AWS-validated scheduler tests).
    assert parse_scheduler_expression("rate(2 minute)") == Rate("rate(2 minute)", 120)
    assert isinstance(parse_scheduler_expression("at(2022-12-31T23:59:59)"), At)


# --- next due times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 10 * * ? *)", [utc(2024, 3, 10, 10), utc(2024, 3, 11, 10)]),
        ("cron(0 18 ? * MON-FRI *)", [utc(2024, 3, 11, 18), utc(2024, 3, 12, 18)]),
        ("cron(0 8 1 * ? *)", [utc(2024, 4, 1, 8), utc(2024, 5, 1, 8)]),
        ("cron(0/15 * * * ? *)", [utc(2024, 3, 9, 12, 15), utc(2024, 3, 9, 12, 30)]),
        ("cron(1/10 12 * * ? *)", [utc(2024, 3, 9, 12, 1), utc(2024, 3, 9, 12, 11)]),
        # first Monday of the month; last Friday; last day; nearest weekday
        ("cron(0 9 ? * 2#1 *)", [utc(2024, 4, 1, 9), utc(2024, 5, 6, 9)]),
        ("cron(15 10 ? * 6L 2019-2025)", [utc(2024, 3, 29, 10, 15), utc(2024, 4, 26, 10, 15)]),
        ("cron(0 12 L * ? *)", [utc(2024, 3, 31, 12), utc(2024, 4, 30, 12)]),
        # June 1 2024 is a Saturday: 1W is Monday the 3rd; Sept 1 2024 a Sunday: Monday the 2nd
        ("cron(0 12 1W 6,9 ? *)", [utc(2024, 6, 3, 12), utc(2024, 9, 2, 12)]),
        # Saturday the 30th of November 2024 is the month's end: 30W is Friday the 29th
        ("cron(0 12 30W 11 ? 2024)", [utc(2024, 11, 29, 12)]),
        # a range wrapping midnight, one wrapping the week
        ("cron(0 23-1 * * ? *)", [utc(2024, 3, 9, 23), utc(2024, 3, 10, 0)]),
        ("cron(0 0 ? * FRI-MON *)", [utc(2024, 3, 10), utc(2024, 3, 11)]),
        # years, names, the 29th of February
        ("cron(0 0 29 FEB ? *)", [utc(2028, 2, 29), utc(2032, 2, 29)]),
        ("cron(30 6 ? * L 2025)", [utc(2025, 1, 4, 6, 30), utc(2025, 1, 11, 6, 30)]),
    ],
)
def test_cron_due_times(expression: str, expected: list[datetime]) -> None:
    assert following(expression, START, len(expected)) == expected


def test_cron_ends_with_its_years() -> None:
    cron = parse_rule_expression("cron(0 0 1 1 ? 2020)")
    assert cron.next_after(START) is None


def test_rate_counts_whole_periods_from_its_anchor() -> None:
    rate = parse_rule_expression("rate(5 minutes)")
    anchor = utc(2024, 3, 9, 11, 58, 7)
    assert rate.next_after(START, anchor=anchor) == utc(2024, 3, 9, 12, 3, 7)
    assert rate.next_after(utc(2024, 3, 9, 12, 3, 7), anchor=anchor) == utc(2024, 3, 9, 12, 8, 7)
    assert rate.next_after(anchor - timedelta(seconds=1), anchor=anchor) == anchor


def test_a_rate_day_is_24_hours_across_daylight_saving_time() -> None:
    rate = parse_scheduler_expression("rate(1 day)")
    anchor = utc(2024, 3, 30, 9)  # 09:00 in London, the day before clocks go forward
    after = rate.next_after(anchor, anchor=anchor, zone=ZoneInfo("Europe/London"))
    assert after == utc(2024, 3, 31, 9)  # 10:00 London time: 24 hours, not 09:00


def test_at_is_local_time_of_the_zone_and_fires_once() -> None:
    at = parse_scheduler_expression("at(2024-07-01T09:30:00)")
    zone = ZoneInfo("America/New_York")
    assert at.next_after(START, zone=zone) == utc(2024, 7, 1, 13, 30)
    assert at.next_after(utc(2024, 7, 1, 13, 30), zone=zone) is None


def test_a_time_skipped_by_daylight_saving_is_skipped() -> None:
    # Clocks jump from 01:00 to 02:00 in London on 2024-03-31: 01:30 does not exist.
    due = following("cron(30 1 * * ? *)", utc(2024, 3, 30, 2), 2, "Europe/London")
    assert due == [utc(2024, 4, 1, 0, 30), utc(2024, 4, 2, 0, 30)]


def test_a_time_repeated_by_daylight_saving_fires_once() -> None:
    # Clocks go back from 02:00 to 01:00 in London on 2024-10-27: 01:30 happens twice.
    due = following("cron(30 1 * * ? *)", utc(2024, 10, 26, 12), 2, "Europe/London")
    assert due == [utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)]


def test_cron_in_a_zone_follows_its_wall_clock() -> None:
    due = following("cron(0 9 ? * MON *)", START, 1, "Asia/Tokyo")
    assert due == [utc(2024, 3, 11, 0)]  # Monday 09:00 JST


# --- properties --------------------------------------------------------------------------------

WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


@dataclass(frozen=True)
class Spec:
    """A cron expression with the sets it means, known without parsing it."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_rule: tuple[str, int, int]  # ("dom", day, 0) | ("all", 0, 0) | ("dow", weekday, 0)
    #                                  | ("last", 0, 0) | ("nth", weekday, n) | ("lastdow", wd, 0)


@st.composite
def numeric_field(draw: st.DrawFn, low: int, high: int) -> tuple[str, frozenset[int]]:
    kind = draw(st.sampled_from(["star", "one", "list", "range", "step"]))
    if kind == "star":
        return "*", frozenset(range(low, high + 1))
    if kind == "one":
        value = draw(st.integers(low, high))
        return str(value), frozenset({value})
    if kind == "list":
        values = draw(st.sets(st.integers(low, high), min_size=1, max_size=4))
        return ",".join(map(str, sorted(values))), frozenset(values)
    if kind == "range":
        first, last = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2)))
        return f"{first}-{last}", frozenset(range(first, last + 1))
    start, step = draw(st.integers(low, high)), draw(st.integers(1, high - low + 1))
    return f"{start}/{step}", frozenset(range(start, high + 1, step))


@st.composite
def day_fields(draw: st.DrawFn) -> tuple[str, str, tuple[str, int, int]]:
    kind = draw(st.sampled_from(["all", "dom", "dow", "last", "nth", "lastdow"]))
    weekday = draw(st.integers(1, 7))
    if kind == "all":
        return "*", "?", ("all", 0, 0)
    if kind == "dom":
        day = draw(st.integers(1, 31))
        return str(day), "?", ("dom", day, 0)
    if kind == "last":
        return "L", "?", ("last", 0, 0)
    name = draw(st.sampled_from([str(weekday), WEEKDAY_NAMES[weekday - 1]]))
    if kind == "dow":
        return "?", name, ("dow", weekday, 0)
    if kind == "nth":
        nth = draw(st.integers(1, 5))
        return "?", f"{name}#{nth}", ("nth", weekday, nth)
    return "?", f"{weekday}L", ("lastdow", weekday, 0)


@st.composite
def cron_specs(draw: st.DrawFn) -> Spec:
    minutes = draw(numeric_field(0, 59))
    hours = draw(numeric_field(0, 23))
    months = draw(numeric_field(1, 12))
    first_year = draw(st.integers(2024, 2030))
    years = draw(
        st.sampled_from(
            [
                ("*", frozenset(range(1970, 2200))),
                (f"{first_year}-2035", frozenset(range(first_year, 2036))),
            ]
        )
    )
    dom, dow, rule = draw(day_fields())
    text = f"cron({minutes[0]} {hours[0]} {dom} {months[0]} {dow} {years[0]})"
    return Spec(text, minutes[1], hours[1], months[1], years[1], rule)


def aws_weekday(day: datetime) -> int:
    return (day.weekday() + 1) % 7 + 1


def day_matches(rule: tuple[str, int, int], day: datetime) -> bool:
    kind, value, nth = rule
    length = calendar.monthrange(day.year, day.month)[1]
    return {
        "all": lambda: True,
        "dom": lambda: day.day == value,
        "last": lambda: day.day == length,
        "dow": lambda: aws_weekday(day) == value,
        "nth": lambda: aws_weekday(day) == value and (day.day - 1) // 7 + 1 == nth,
        "lastdow": lambda: aws_weekday(day) == value and day.day + 7 > length,
    }[kind]()


def reference_next(spec: Spec, after: datetime, horizon_days: int = 3 * 366) -> datetime | None:
    """The first matching minute after ``after``, found day by day from the known sets."""
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(horizon_days):
        if day.year in spec.years and day.month in spec.months and day_matches(spec.day_rule, day):
            for hour in sorted(spec.hours):
                for minute in sorted(spec.minutes):
                    moment = day.replace(hour=hour, minute=minute)
                    if moment > after:
                        return moment
        day += timedelta(days=1)
    return None


instants = st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(spec=cron_specs(), after=instants)
def test_cron_finds_the_next_matching_minute(spec: Spec, after: datetime) -> None:
    cron = parse_rule_expression(spec.text)
    assert isinstance(cron, Cron)
    found = cron.next_after(after)
    expected = reference_next(spec, after)
    if expected is not None:
        assert found == expected
    else:
        assert found is None or found > after + timedelta(days=3 * 366 - 1)


@settings(max_examples=200, deadline=None)
@given(
    spec=cron_specs(),
    after=instants,
    zone=st.sampled_from(
        ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
    ),
)
def test_cron_in_a_zone_fires_on_matching_wall_clock_minutes(
    spec: Spec, after: datetime, zone: str
) -> None:
    cron = parse_rule_expression(spec.text)
    assert isinstance(cron, Cron)
    found = cron.next_after(after, zone=ZoneInfo(zone))
    if found is None:
        return
    local = found.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert found > after
    assert cron.matches(local)
    assert found.second == 0
    # Nothing in between: the instant before it leads to it again.
    assert cron.next_after(found - timedelta(seconds=1), zone=ZoneInfo(zone)) == found


@settings(max_examples=200, deadline=None)
@given(
    minutes=st.integers(1, 60 * 24 * 9),
    after=instants,
    offset=st.integers(-(10**6), 10**6),
)
def test_rate_due_times_are_whole_periods_from_the_anchor(
    minutes: int, after: datetime, offset: int
) -> None:
    unit = "minute" if minutes == 1 else "minutes"
    rate = parse_rule_expression(f"rate({minutes} {unit})")
    anchor = after + timedelta(seconds=offset)
    found = rate.next_after(after, anchor=anchor)
    assert found is not None and found > after
    periods = (found - anchor).total_seconds() / (minutes * 60)
    assert periods == int(periods) and periods >= 0
    assert found - after <= timedelta(minutes=minutes) or found == anchor


@settings(max_examples=100, deadline=None)
@given(spec=cron_specs(), first=instants, second=instants)
def test_next_due_times_never_go_backwards(spec: Spec, first: datetime, second: datetime) -> None:
    cron = parse_rule_expression(spec.text)
    early, late = sorted((first, second))
    a, b = cron.next_after(early), cron.next_after(late)
    if a is not None and b is not None:
        assert a <= b
