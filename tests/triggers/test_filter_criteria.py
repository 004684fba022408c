"""Lambda FilterCriteria on SQS records (invocation-eventfiltering, with-sqs-filtering)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdalite.triggers.filter_criteria import (
    MAX_FILTERS,
    FilterLimitError,
    RecordFilter,
    check_filter_criteria,
)
from lambdalite.triggers.patterns import PatternError

QUEUE_ARN = "arn:aws:sqs:us-west-2:123456789012:my-queue"


def record(body: str, **extra: Any) -> dict[str, Any]:
    """An SQS record as Lambda builds it (the example in with-sqs-filtering.html)."""
    return {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-west-2",
        **extra,
    }


def criteria(*patterns: Any) -> dict[str, Any]:
    return {
        "Filters": [
            {"Pattern": pattern if isinstance(pattern, str) else json.dumps(pattern)}
            for pattern in patterns
        ]
    }


def passes(patterns: list[Any], body: str, **extra: Any) -> bool:
    return RecordFilter(criteria(*patterns)).matches(record(body, **extra))


DOC_BODY = (
    '{\n "RecordNumber": 1234,\n "TimeStamp": "yyyy-mm-ddThh:mm:ss",\n "RequestCode": "AAAA"\n}'
)


# --- no filters --------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, {}, {"Filters": []}, {"Filters": None}])
def test_without_filters_every_record_passes(given: Any) -> None:
    check_filter_criteria(given)
    assert RecordFilter(given).matches(record("anything"))


# --- the documented examples ------------------------------------------------------------------


def test_filtering_on_a_json_body() -> None:
    assert passes([{"body": {"RequestCode": ["AAAA"]}}], DOC_BODY)
    assert not passes([{"body": {"RequestCode": ["BBBB"]}}], DOC_BODY)
    assert passes([{"body": {"RecordNumber": [{"numeric": [">", 999]}]}}], DOC_BODY)
    assert not passes([{"body": {"RecordNumber": [{"numeric": [">", 9999]}]}}], DOC_BODY)


def test_filters_are_ored() -> None:
    patterns = [{"body": {"RequestCode": ["BBBB"]}}, {"body": {"RequestCode": ["AAAA"]}}]
    assert passes(patterns, DOC_BODY)
    assert not passes(patterns[:1], DOC_BODY)


def test_the_docs_console_example() -> None:
    assert passes(['{ "body": { "a" : [ 1, 2 ] } }'], '{"a": 2}')
    assert not passes(['{ "body": { "a" : [ 1, 2 ] } }'], '{"a": 3}')


# --- the body format table ("Properly filtering Amazon SQS messages") -------------------------


def test_plain_string_body_with_a_plain_string_pattern_is_filtered() -> None:
    assert passes([{"body": [{"prefix": "Result: "}]}], "Result: ok")
    assert not passes([{"body": [{"prefix": "Result: "}]}], "Error: no")
    assert passes([{"body": ["hello"]}], "hello")


def test_plain_string_body_with_a_json_pattern_is_dropped() -> None:
    assert not passes([{"body": {"a": [{"exists": False}]}}], "not json")


def test_json_body_with_a_plain_string_pattern_is_dropped() -> None:
    assert not passes([{"body": [{"prefix": "{"}]}], '{"a": 1}')
    assert not passes([{"body": [{"exists": True}]}], "[1, 2]")


def test_without_a_body_pattern_only_metadata_is_filtered_whatever_the_body() -> None:
    pattern = {"attributes": {"ApproximateReceiveCount": ["1"]}}
    assert passes([pattern], "plain")
    assert passes([pattern], '{"a": 1}')
    assert not passes([{"attributes": {"ApproximateReceiveCount": ["2"]}}], "plain")


def test_a_json_scalar_body_is_a_plain_string() -> None:
    assert passes([{"body": ["42"]}], "42")
    assert not passes([{"body": {"a": [1]}}], "42")
    assert passes([{"body": ['"quoted"']}], '"quoted"')


def test_a_body_python_would_read_but_json_does_not_is_a_plain_string() -> None:
    assert passes([{"body": [{"prefix": "{"}]}], '{"a": NaN}')
    assert passes([{"body": [{"prefix": "{"}]}], '{"a": 1} trailing')


def test_each_or_alternative_checks_the_body_format_it_expects() -> None:
    pattern = {"$or": [{"body": {"kind": ["order"]}}, {"body": [{"prefix": "PING"}]}]}
    assert passes([pattern], '{"kind": "order"}')
    assert passes([pattern], "PING 1")
    assert not passes([pattern], '{"kind": "refund"}')


def test_a_pattern_wanting_body_both_ways_matches_nothing() -> None:
    assert not passes(['{"body": ["x"], "body.a": [1]}'], '{"a": 1}')
    assert not passes(['{"body": ["x"], "body.a": [1]}'], "x")


def test_a_dotted_body_path_reaches_into_the_json_body() -> None:
    assert passes(['{"body.order.id": [7]}'], '{"order": {"id": 7}}')


# --- the rest of the record -------------------------------------------------------------------


def test_message_attributes_are_filterable() -> None:
    attributes = {
        "tenant": {
            "stringValue": "acme",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    pattern = {"messageAttributes": {"tenant": {"stringValue": ["acme"]}}}
    assert passes([pattern], "x", messageAttributes=attributes)
    assert not passes([pattern], "x")


def test_fields_the_poller_adds_cannot_be_filtered_on() -> None:
    # eb-pipes-event-filtering: awsRegion, eventSource and eventSourceARN "can't be used in event
    # patterns"; Lambda ESM filtering works "generally the same way".
    assert not passes([{"eventSource": ["aws:sqs"]}], "x")
    assert not passes([{"eventSourceARN": [QUEUE_ARN]}], "x")
    assert passes([{"awsRegion": [{"exists": False}]}], "x")
    assert passes([{"messageId": [{"prefix": "059f"}]}], "x")


def test_the_record_is_not_changed() -> None:
    given = record('{"a": 1}')
    RecordFilter(criteria({"body": {"a": [1]}}, {"awsRegion": ["x"]})).matches(given)
    assert given == record('{"a": 1}')


def test_json_bodies_use_event_pattern_semantics() -> None:
    body = json.dumps({"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}], "n": 300.0})
    assert passes([{"body": {"items": {"sku": ["b"], "qty": [5]}}}], body)
    assert not passes([{"body": {"items": {"sku": ["a"], "qty": [5]}}}], body)  # array-consistent
    assert passes([{"body": {"n": [300]}}], body)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ('{"body": "x"}', '"body" must be an object or an array'),
        ("[1]", "Filter is not an object"),
        (
            "not json",
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
        ),
        ("", "Filter is not an object"),
        ('{"body": {"a": []}}', "Empty arrays are not allowed"),
    ],
)
def test_invalid_patterns_raise_a_pattern_error(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError) as raised:
        check_filter_criteria({"Filters": [{"Pattern": pattern}]})
    assert raised.value.reason == reason
    with pytest.raises(PatternError):
        RecordFilter({"Filters": [{"Pattern": pattern}]})


@pytest.mark.parametrize("item", [{}, {"Pattern": None}, "not a filter"])
def test_a_filter_without_a_pattern_is_invalid(item: Any) -> None:
    with pytest.raises(PatternError) as raised:
        check_filter_criteria({"Filters": [item]})
    assert raised.value.reason == "Filter is not an object"


def test_one_invalid_filter_among_valid_ones_is_enough() -> None:
    with pytest.raises(PatternError):
        check_filter_criteria(criteria({"body": {"a": [1]}}, '{"a": []}'))


def test_at_most_five_filters() -> None:
    check_filter_criteria(criteria(*[{"body": {"n": [i]}} for i in range(MAX_FILTERS)]))
    too_many = criteria(*[{"body": {"n": [i]}} for i in range(MAX_FILTERS + 1)])
    with pytest.raises(FilterLimitError) as raised:
        check_filter_criteria(too_many)
    assert isinstance(raised.value, PatternError)
    assert raised.value.count == 6
    with pytest.raises(FilterLimitError):
        RecordFilter(too_many)
