"""Event patterns: aws/event-ruler's semantics and wording (EventBridge, SNS, Lambda filters)."""

from __future__ import annotations

import ipaddress
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lambdalite.triggers.patterns import Pattern, PatternError, compile_pattern


def matches(pattern: Any, event: dict[str, Any]) -> bool:
    return compile_pattern(pattern).matches(event)


def error_of(pattern: Any) -> PatternError:
    with pytest.raises(PatternError) as raised:
        compile_pattern(pattern)
    return raised.value


def at(source: str, column: int, line: int = 1) -> str:
    return f'\n at [Source: (String)"{source}"; line: {line}, column: {column}]'


# The README's sample event (aws/event-ruler README.md, "Ruler by Example").
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
    },
}


# --- validation: messages recorded against AWS ------------------------------------------------
# InvalidEventPatternException "MessageRaw" texts from localstack's
# tests/aws/services/events/test_events_patterns.snapshot.json, after "Reason: ".

AWS_RECORDED = [
    ('{"int": 42}', '"int" must be an object or an array', [11]),
    ('{"string": "my-value"}', '"string" must be an object or an array', [13]),
    ('{"resources": []}', "Empty arrays are not allowed", [17]),
    ('{"source": ["aws.health"], "detail": {}}', "Empty objects are not allowed", [40]),
    ('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC", [36]),
    ('{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS", [28]),
    (
        '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}',
        "Bad numeric range operator: >",
        [49],
    ),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric", [50]),
    (
        '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
        "Consecutive wildcard characters at pos 26",
        [72],
    ),
    ('{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string", [34]),
    (
        '{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:*:event-bus/*"]}]}',
        "wildcard match pattern must be a string",
        [32],
    ),
    (
        '{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
        "equals-ignore-case match pattern must be a string",
        [42],
    ),
    (
        '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
        "equals-ignore-case match pattern must be a string",
        [42],
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        [66],
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        [67, 67],
    ),
    (
        '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
        "wildcard match pattern must be a string",
        [57, 57],
    ),
    (
        '{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}',
        "wildcard match pattern must be a string",
        [59],
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
        "prefix/suffix match pattern must be a string",
        [58, 58],
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}',
        "prefix/suffix match pattern must be a string",
        [57],
    ),
    (
        '{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}',
        "prefix/suffix match pattern must be a string",
        [55, 55],
    ),
    (
        '{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}',
        "prefix/suffix match pattern must be a string",
        [54],
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
        "Value of anything-but must be an array or single string/number value.",
        [55],
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}',
        "Value of anything-but must be an array or single string/number value.",
        [55],
    ),
    ('{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string", [23]),
    ('{"time": [{"prefix": 123}]}', "prefix match pattern must be a string", [25]),
    ('{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string", [29]),
    ('{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string", [27]),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}',
        "prefix match pattern must be a string",
        [43],
    ),
    # CIDR errors are IllegalArgumentExceptions nobody catches: no location at all.
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0"}]}}',
        "Malformed CIDR, one '/' required",
        [],
    ),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/xx"}]}}',
        "Malformed CIDR, mask bits must be an integer",
        [],
    ),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "xx.11.xx/24"}]}}',
        "Nonstandard IP address: xx.11.xx",
        [],
    ),
    (
        '{"detail": {"sourceIPAddress": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}',
        "Nonstandard IP address: xxxx:db8:1234:1a00::",
        [],
    ),
    # Invalid JSON: Jackson's own messages (test_invalid_json_event_pattern).
    (
        "this is valid json but not a dict",
        "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token "
        "'null', 'true' or 'false')",
        [5],
    ),
    (
        "{'bad': 'quotation'}",
        "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
        [2],
    ),
    (
        '{"not": closed mark"',
        "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token "
        "'null', 'true' or 'false')",
        [15],
    ),
    ('["not", "a", "dict", "but valid json"]', "Filter is not an object", [2]),
]


@pytest.mark.parametrize(("pattern", "reason", "columns"), AWS_RECORDED)
def test_invalid_patterns_fail_with_the_message_aws_recorded(
    pattern: str, reason: str, columns: list[int]
) -> None:
    error = error_of(pattern)
    assert error.reason == reason
    assert str(error) == reason + "".join(at(pattern, column) for column in columns)


def test_the_github_reported_message_for_a_nested_leaf_that_is_not_an_array() -> None:
    # buildkite/docs#896 quotes EventBridge: "slug" must be an object or an array ... column: 16.
    pattern = (
        '{ "detail-type": [ "Build Started", "Build Finished" ],\n  "detail": {\n    "pipeline": {\n'
        '      "slug": "some-pipeline"\n    }\n  }\n}'
    )
    assert error_of(pattern).locations[0].endswith("; line: 4, column: 16]")


def test_a_pattern_error_is_a_value_error_with_the_bare_reason() -> None:
    error = error_of('{"a": []}')
    assert isinstance(error, ValueError)
    assert error.reason == "Empty arrays are not allowed"
    assert str(error).startswith("Empty arrays are not allowed\n at [Source: (String)")


# --- validation: event-ruler's other reasons (JsonRuleCompiler.java) --------------------------

REASONS = [
    ("", "Filter is not an object"),
    ("   ", "Filter is not an object"),
    ('"text"', "Filter is not an object"),
    ("42", "Filter is not an object"),
    ("null", "Filter is not an object"),
    ("{}", "Empty objects are not allowed"),
    ('{"a": {}}', "Empty objects are not allowed"),
    ('{"a": null}', '"a" must be an object or an array'),
    ('{"a": true}', '"a" must be an object or an array'),
    ('{"a": [["x"]]}', "Match value must be String, number, true, false, or null"),
    ('{"a": [{}]}', "Match expression name not found"),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed in match expression"),
    ('{"a": [{"equals-ignore-case": "x", "b": 1}]}', "Only one key allowed in match expression"),
    ('{"a": [{"exists": true, "b": 1}]}', "Only one key allowed in match expression"),
    ('{"a": [{"cidr": "10.0.0.0/8", "b": 1}]}', "Only one key allowed in match expression"),
    ('{"a": [{"wildcard": "x", "b": 1}]}', "Only one key allowed in match expression"),
    ('{"a": [{"regex": "x"}]}', "Unrecognized match type regex"),
    ('{"a": [{"exists": "true"}]}', "exists match pattern must be either true or false."),
    ('{"a": [{"exists": 1}]}', "exists match pattern must be either true or false."),
    ('{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
    ('{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
    ('{"a": [{"numeric": [5]}]}', "Invalid member in numeric match: 5"),
    ('{"a": [{"numeric": [{"x": 1}]}]}', "Invalid member in numeric match: {"),
    ('{"a": [{"numeric": ["!=", 5]}]}', "Unrecognized numeric range operator: !="),
    ('{"a": [{"numeric": ["=", "5"]}]}', "Value of equals must be numeric"),
    ('{"a": [{"numeric": [">=", null]}]}', "Value of >= must be numeric"),
    ('{"a": [{"numeric": ["<=", true]}]}', "Value of <= must be numeric"),
    ('{"a": [{"numeric": ["=", 5, 6]}]}', "Too many elements in numeric expression"),
    ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "Too many elements in numeric expression"),
    ('{"a": [{"numeric": [">", 0, 5]}]}', "Bad value in numeric range: 5"),
    ('{"a": [{"numeric": [">", 0, ">=", 5]}]}', "Bad numeric range operator: >="),
    ('{"a": [{"numeric": [">", 0, "<", 5, 6]}]}', "Too many terms in numeric range expression"),
    ('{"a": [{"numeric": [">", 5, "<", 5]}]}', "Bottom must be less than top"),
    ('{"a": [{"numeric": [">=", 6, "<=", 5]}]}', "Bottom must be less than top"),
    ('{"a": [{"numeric": [">", 0], "b": 1}]}', "Too many elements in numeric expression"),
    ('{"a": [{"anything-but": null}]}', _AB := "Value of anything-but must be an array or single string/number value."),
    ('{"a": [{"anything-but": true}]}', _AB),
    ('{"a": [{"anything-but": []}]}', _MIXED := "Inside anything but list, either all values are number or string, mixed type is not supported"),
    ('{"a": [{"anything-but": ["x", 1]}]}', _MIXED),
    ('{"a": [{"anything-but": {}}]}', "Anything-But expression name not found"),
    ('{"a": [{"anything-but": {"numeric": [">", 1]}}]}', "Unsupported anything-but pattern: numeric"),
    ('{"a": [{"anything-but": {"exists": true}}]}', "Unsupported anything-but pattern: exists"),
    ('{"a": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed"),
    ('{"a": [{"anything-but": {"suffix": ["x", ""]}}]}', "Null prefix/suffix not allowed"),
    ('{"a": [{"anything-but": "x", "b": 1}]}', "Too many elements in numeric expression"),
    ('{"a": [{"anything-but": {"prefix": "x", "b": 1}}]}', "Too many elements in numeric expression"),
    ('{"a": [{"prefix": {}}]}', "Prefix expression name not found"),
    ('{"a": [{"prefix": {"suffix": "x"}}]}', "Unsupported prefix pattern: suffix"),
    ('{"a": [{"suffix": {"wildcard": "x"}}]}', "Unsupported suffix pattern: wildcard"),
    ('{"a": [{"prefix": {"equals-ignore-case": 1}}]}', "equals-ignore-case match pattern must be a string"),
    ('{"a": [{"prefix": {"equals-ignore-case": "x", "b": 1}}]}', "Only one key allowed in match expression"),
    ('{"a": [{"exactly": 1}]}', "exact match pattern must be a string"),
    ('{"a": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2"),
    ('{"a": [{"wildcard": "ab\\\\"}]}', "Invalid escape character at pos 3"),
    ('{"a": [{"wildcard": "é**"}]}', "Consecutive wildcard characters at pos 3"),
    ('{"a": [{"anything-but": {"wildcard": "a**"}}]}', "Consecutive wildcard characters at pos 2"),
    ('{"a": [{"anything-but": {"wildcard": ["ok", "a\\\\x"]}}]}', "Invalid escape character at pos 2"),
    ('{"a": [{"cidr": "10.0.0.0/32"}]}', "IPv4 mask bits must be < 32"),
    ('{"a": [{"cidr": "::/128"}]}', "IPv6 mask bits must be < 128"),
    ('{"a": [{"cidr": "10.0.0.0/-1"}]}', "Malformed CIDR, mask bits must not be negative"),
    ('{"a": [{"cidr": "10.0.0.0/"}]}', "Malformed CIDR, one '/' required"),
    ('{"a": [{"cidr": "10.0.0.0/8/8"}]}', "Malformed CIDR, one '/' required"),
    ('{"a": [{"cidr": "10.0.0.0/99999999999"}]}', "Malformed CIDR, mask bits must be an integer"),
    ('{"a": [{"cidr": "999.0.0.1/8"}]}', "Invalid IP address: 999.0.0.1"),
    ('{"a": [{"cidr": "1::2::3/64"}]}', "Invalid IP address: 1::2::3"),
    ('{"a": [{"cidr": 10}]}', "prefix match pattern must be a string"),
    ('{"$or": {"a": ["x"]}}', "It must be an Array followed with $or."),
    ('{"$or": []}', "There must have at least 2 Objects in $or relationship."),
    ('{"$or": [{"a": ["x"]}]}', "There must have at least 2 Objects in $or relationship."),
    ('{"$or": [{"a": ["x"]}, "b"]}', "Only JSON object is allowed in array of $or relationship."),
    ('{"$or": [{"a": ["x"]}, {}]}', "Empty objects are not allowed"),
    ('{"$or": [{"numeric": [1]}, {"b": [2]}]}', "numeric is Ruler reserved fieldName which cannot be used inside $or."),
    ('{"$or": [{"a": {"prefix": ["x"]}}, {"b": [2]}]}', "prefix is Ruler reserved fieldName which cannot be used inside $or."),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "reason"), REASONS)
def test_invalid_patterns_fail_with_event_rulers_reason(pattern: str, reason: str) -> None:
    assert error_of(pattern).reason == reason


def test_reserved_names_are_fine_outside_or() -> None:
    assert matches(
        {"numeric": ["x"], "prefix": {"exists": [1]}}, {"numeric": "x", "prefix": {"exists": 1}}
    )


def test_a_failure_inside_an_anything_but_list_is_located_twice() -> None:
    # JsonRuleCompiler catches what fails in the list and rethrows it with its location again.
    pattern = '{"a": [{"anything-but": ["x", null]}]}'
    error = error_of(pattern)
    assert error.reason == "Inside anything but list, start|null|boolean is not supported."
    assert str(error) == error.reason + at(pattern, 35) + at(pattern, 35)


def test_a_refused_number_in_an_anything_but_list_is_located_once() -> None:
    pattern = '{"a": [{"anything-but": [1.1234567]}]}'
    error = error_of(pattern)
    assert str(error) == "Only values upto 6 decimals are supported" + at(pattern, 35)


def test_a_refused_single_anything_but_number_has_no_location() -> None:
    error = error_of('{"a": [{"anything-but": 6000000000}]}')
    assert str(error) == "Value must be between -5.0E9 and 5.0E9, inclusive"


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        ('["<", 6000000000]', "Value must be between -5.0E9 and 5.0E9, inclusive"),
        ('[">", -6e9, "<", 0]', "Value must be between -5.0E9 and 5.0E9, inclusive"),
        ('["=", 0.1234567]', "Only values upto 6 decimals are supported"),
        ('[">=", 0.1234567]', "Only values upto 6 decimals are supported"),
        # The implicit upper bound of ">" is 5e9, and bounds are compared before they are checked.
        ('[">", 5000000000]', "Bottom must be less than top"),
        ('["<", -5e9]', "Bottom must be less than top"),
    ],
)
def test_numeric_operands_obey_event_rulers_number_limits(terms: str, reason: str) -> None:
    pattern = f'{{"a": [{{"numeric": {terms}}}]}}'
    error = error_of(pattern)
    assert error.reason == reason
    assert len(error.locations) == 1  # an IllegalArgumentException, caught and located


@pytest.mark.parametrize(
    "terms", ['["=", 5e9]', '["=", -5000000000]', '[">", 0.000001]', '["<", 1.500000000]']
)
def test_numeric_operands_at_the_limits_are_accepted(terms: str) -> None:
    compile_pattern(f'{{"a": [{{"numeric": {terms}}}]}}')


JSON_SYNTAX = [
    ('{"a": ["x",]}', "Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 12),
    ('{"a": ["x"],}', "Unexpected character ('}' (code 125)): was expecting double-quote to start field name", 13),
    ('{"a" ["x"]}', "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value", 6),
    ('{"a": ["x" "y"]}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries", 12),
    ('{"a": ["x"] "b": ["y"]}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries", 13),
    ('{"a": [tru]}', "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 11),
    ('{"a": [nullx]}', "Unrecognized token 'nullx': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 13),
    ('{"a": [01]}', "Invalid numeric value: Leading zeroes not allowed", 10),
    ('{"a": [1.]}', "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit", 10),
    ('{"a": [-x]}', "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", 9),
    ('{"a": ["x"]]', "Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)\"{\"a\": [\"x\"]]\"; line: 1, column: 1])", 13),
    ('{"a": ["x"}', "Unexpected close marker '}': expected ']' (for Array starting at [Source: (String)\"{\"a\": [\"x\"}\"; line: 1, column: 7])", 12),
    ('{"a": ["x"', "Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)\"{\"a\": [\"x\"\"; line: 1, column: 7])", 11),
    ('{"a": ["x', "Unexpected end-of-input: was expecting closing quote for a string value", 10),
    ('{"a": ["\\q"]}', "Unrecognized character escape 'q' (code 113)", 11),
    ('{"a": ["x\ty"]}', "Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value", 11),
    ('{"a": // note\n ["x"]}', "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)", 7),
    ('{"a": [NaN]}', "Unrecognized token 'NaN': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 11),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "reason", "column"), JSON_SYNTAX)
def test_invalid_json_fails_with_jacksons_message(pattern: str, reason: str, column: int) -> None:
    # Jackson 2.13+ wording (ReaderBasedJsonParser); not all of it was recorded against AWS.
    source = pattern.replace("\t", "\\u0009")  # Jackson prints control characters escaped
    assert str(error_of(pattern)) == reason + at(source, column)


def test_locations_count_lines_and_utf16_columns() -> None:
    pattern = '{\r\n  "😀": ["x"],\n  "b": []\n}'
    assert error_of(pattern).locations[0].endswith("; line: 3, column: 10]")
    assert error_of('{"😀": 1}').locations[0].endswith("; line: 1, column: 9]")  # 😀 is 2 units


def test_a_long_pattern_is_truncated_in_the_location() -> None:
    pattern = '{"a": [], "b": ["' + "x" * 600 + '"]}'
    where = error_of(pattern).locations[0]
    assert where == f'[Source: (String)"{pattern[:500]}"[truncated 120 chars]; line: 1, column: 9]'


def test_what_follows_the_pattern_object_is_not_read() -> None:
    # JsonRuleCompiler closes the parser after the top-level object.
    assert matches('{"a": ["x"]} trailing', {"a": "x"})


def test_a_mapping_compiles_like_its_json_text() -> None:
    pattern = {"detail": {"state": ["running"], "c-count": [{"numeric": [">", 1]}]}}
    assert compile_pattern(pattern).matches(EC2_EVENT)
    assert error_of({"a": []}).reason == "Empty arrays are not allowed"


# --- matching: the README's and the EventBridge docs' examples ---------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        {
            "detail-type": ["EC2 Instance State-change Notification"],
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
            "detail": {"state": ["initializing", "running"]},
        },
        {"time": [{"prefix": "2017-10-02"}]},
        {"source": [{"suffix": "ec2"}]},
        {"source": [{"equals-ignore-case": "AWS.EC2"}]},
        {"source": [{"wildcard": "aws.*"}]},
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        {"detail": {"x-limit": [{"anything-but": 123}]}},
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"c-count": [{"exists": True}]}},
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
                "source-ip": [{"cidr": "10.0.0.0/8"}],
            },
        },
    ],
)
def test_the_readme_patterns_match_the_readme_event(pattern: dict[str, Any]) -> None:
    assert matches(pattern, EC2_EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["aws.ec2", "aws.s3"], "region": ["eu-west-1"]},
        {"detail": {"state": [{"anything-but": "running"}]}},
        {"detail": {"c-count": [{"exists": False}]}},
        {"detail": {"c-count": [{"numeric": [">", 5]}]}},
        {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}},
        {"detail": {"missing": [{"anything-but": "x"}]}},
        {"Detail": {"state": ["running"]}},  # keys are case-sensitive
    ],
)
def test_patterns_that_do_not_match_the_readme_event(pattern: dict[str, Any]) -> None:
    assert not matches(pattern, EC2_EVENT)


# exact values


def test_strings_match_exactly_and_case_sensitively() -> None:
    assert matches({"a": ["Alice"]}, {"a": "Alice"})
    assert not matches({"a": ["Alice"]}, {"a": "alice"})
    assert matches({"a": [""]}, {"a": ""})
    assert not matches({"a": [""]}, {"a": None})


def test_null_matches_null_but_not_a_missing_field() -> None:
    assert matches({"a": [None]}, {"a": None})
    assert not matches({"a": [None]}, {})
    assert not matches({"a": [None]}, {"a": []})  # an empty array has no values


def test_booleans_are_not_numbers() -> None:
    assert matches({"a": [True]}, {"a": True})
    assert not matches({"a": [True]}, {"a": 1})
    assert not matches({"a": [1]}, {"a": True})
    assert not matches({"a": [False]}, {"a": 0})
    assert not matches({"a": [False]}, {"a": "false"})


def test_numbers_compare_numerically() -> None:
    assert matches({"a": [300]}, {"a": 300.0})
    assert matches('{"a": [3.0e2]}', {"a": 300})
    assert matches({"a": [301.8]}, {"a": 301.80})
    assert not matches({"a": [300]}, {"a": 300.5})
    assert not matches({"a": [5]}, {"a": "5"})
    assert not matches({"a": ["5"]}, {"a": 5})


def test_numbers_outside_the_comparable_range_still_equal_their_own_text() -> None:
    # An account id is beyond 5e9: JsonRuleCompiler keeps the exact-text matcher beside the
    # numeric one, which ComparableNumber refuses.
    assert matches({"a": [123456789012]}, {"a": 123456789012})
    assert not matches({"a": [123456789012]}, {"a": 123456789013})
    # Seven decimals are not comparable either: only the same text matches.
    assert matches('{"a": [0.1234567]}', {"a": 0.1234567})
    assert not matches('{"a": [0.12345670]}', {"a": 0.1234567})


def test_an_ip_address_matches_any_spelling_of_the_same_address() -> None:
    assert matches({"ip": ["2001:db8::1"]}, {"ip": "2001:DB8:0:0:0:0:0:1"})
    assert matches({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"})
    assert matches({"ip": ["::ffff:a00:1"]}, {"ip": "10.0.0.1"})  # Java maps it to IPv4
    assert not matches({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.2"})
    assert not matches({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.01"})


def test_exactly_is_an_exact_string_match() -> None:
    assert matches({"a": [{"exactly": "10.0.0.1"}]}, {"a": "10.0.0.1"})
    assert not matches({"a": [{"exactly": "x"}]}, {"a": "X"})


# prefix, suffix, equals-ignore-case


def test_prefix_and_suffix_only_match_strings() -> None:
    assert matches({"a": [{"prefix": "us-"}]}, {"a": "us-east-1"})
    assert not matches({"a": [{"prefix": "us-"}]}, {"a": "eu-us-1"})
    assert not matches({"a": [{"prefix": "1"}]}, {"a": 12})
    assert matches({"a": [{"suffix": ".png"}]}, {"a": "dir/x.png"})
    assert not matches({"a": [{"suffix": ".png"}]}, {"a": "x.PNG"})
    assert not matches({"a": [{"suffix": "2"}]}, {"a": 12})
    assert matches({"a": [{"prefix": ""}]}, {"a": ""})


def test_prefix_and_suffix_ignoring_case() -> None:
    assert matches(
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"service": "eventbridge"}
    )
    assert matches(
        {"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]}, {"service": "EVENTBRIDGE"}
    )
    assert not matches(
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"service": "Even"}
    )
    assert not matches({"service": [{"suffix": {"equals-ignore-case": "x"}}]}, {"service": 1})


def test_equals_ignore_case_uses_javas_per_character_upper_and_lower_case() -> None:
    assert matches({"a": [{"equals-ignore-case": "alice"}]}, {"a": "ALICE"})
    assert not matches({"a": [{"equals-ignore-case": "alice"}]}, {"a": "alice2"})
    assert matches(
        {"a": [{"equals-ignore-case": "straße"}]}, {"a": "STRASSE"}
    )  # "ß".upper() is "SS"
    assert matches({"a": [{"equals-ignore-case": "\u212a"}]}, {"a": "k"})  # Kelvin sign lowers to k
    assert not matches({"a": [{"equals-ignore-case": "k"}]}, {"a": "\u212a"})
    assert matches({"a": [{"equals-ignore-case": ""}]}, {"a": ""})
    assert not matches({"a": [{"equals-ignore-case": "true"}]}, {"a": True})


# wildcard


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("*.png", "image.png", True),
        ("*.png", ".png", True),
        ("*.png", "image.jpg", False),
        ("dir/*/file", "dir//file", True),
        ("dir/*/file", "dir/a/b/file", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbXbXc", True),
        ("a*b*c", "acb", False),
        ("*", "", True),
        ("", "", True),
        ("", "x", False),
        ("\\*", "*", True),
        ("\\*", "x", False),
        ("a\\\\b", "a\\b", True),
        ("*ab*ab", "abab", True),
        ("*ab*ab", "xabxaby", False),
    ],
)
def test_wildcard(wildcard: str, value: str, expected: bool) -> None:
    assert matches({"a": [{"wildcard": wildcard}]}, {"a": value}) is expected


def test_wildcard_only_matches_strings() -> None:
    assert not matches({"a": [{"wildcard": "*"}]}, {"a": 1})
    assert not matches({"a": [{"wildcard": "*"}]}, {"a": None})


# anything-but (outcomes of localstack's AWS-validated event_pattern_templates)


def test_anything_but_needs_the_field_but_accepts_any_other_type() -> None:
    assert not matches({"state": [{"anything-but": "initializing"}]}, {})
    assert matches({"state": [{"anything-but": "initializing"}]}, {"state": None})
    assert matches({"state": [{"anything-but": "initializing"}]}, {"state": 12})
    assert matches({"state": [{"anything-but": {"prefix": "init"}}]}, {"state": 12})
    assert matches({"state": [{"anything-but": {"prefix": "init"}}]}, {"state": None})
    assert matches({"path": [{"anything-but": {"wildcard": "*/dir/*"}}]}, {"path": 123})
    assert matches({"state": [{"anything-but": {"equals-ignore-case": "x"}}]}, {"state": None})
    assert not matches({"state": [{"anything-but": {"prefix": "init"}}]}, {})


def test_anything_but_numbers_compare_numerically() -> None:
    assert not matches({"a": [{"anything-but": [100, 500]}]}, {"a": 100.0})
    assert matches({"a": [{"anything-but": [100, 500]}]}, {"a": 100.1})
    assert matches({"a": [{"anything-but": [100, 500]}]}, {"a": "100"})
    assert not matches({"a": [{"anything-but": 0}]}, {"a": 0})
    assert not matches({"a": [{"anything-but": "100"}]}, {"a": "100"})
    assert matches({"a": [{"anything-but": "100"}]}, {"a": 100})


def test_anything_but_matches_an_array_with_any_other_value() -> None:
    # SNS's example: [100, 50] matches anything-but [100, 500] "because it contains a value that
    # isn't 100 or 500".
    assert matches({"price": [{"anything-but": [100, 500]}]}, {"price": [100, 50]})
    assert not matches({"price": [{"anything-but": [100, 500]}]}, {"price": [100, 500]})


def test_anything_but_prefix_suffix_ignore_case_and_wildcard() -> None:
    assert not matches({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "us-east-1"})
    assert matches({"r": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}, {"r": "ap-south-1"})
    assert not matches({"r": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}, {"r": "eu-west-1"})
    assert not matches({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.png"})
    assert matches({"f": [{"anything-but": {"suffix": [".png", ".jpg"]}}]}, {"f": "a.gif"})
    assert not matches(
        {"s": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, {"s": "INITIALIZING"}
    )
    assert matches({"s": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]}, {"s": "c"})
    assert not matches({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"})
    assert matches({"p": [{"anything-but": {"wildcard": ["*/lib/*", "*.so"]}}]}, {"p": "/bin/sh"})
    assert matches({"p": [{"anything-but": {"wildcard": ""}}]}, {"p": "dir/init/file"})


# numeric


@pytest.mark.parametrize(
    ("terms", "value", "expected"),
    [
        ([">", 0, "<=", 5], 5, True),
        ([">", 0, "<=", 5], 0, False),
        ([">=", 0, "<", 5], 0, True),
        ([">=", 0, "<", 5], 5, False),
        (["<", 0], -0.000001, True),
        (["<", 0], 0.0, False),
        (["=", 301.5], 3.015e2, True),
        (["=", 0], -0.0, True),
        ([">", 0], 5_000_000_000, True),
        ([">", 0], 5_000_000_001, False),  # beyond ComparableNumber: not a comparable number
        ([">", 0], 0.1234567, False),  # seven decimals: not comparable either
        ([">", 0], "5", False),
        ([">", 0], True, False),
        ([">", 0], None, False),
    ],
)
def test_numeric(terms: list[Any], value: Any, expected: bool) -> None:
    assert matches({"a": [{"numeric": terms}]}, {"a": value}) is expected


# cidr


@pytest.mark.parametrize(
    ("cidr", "value", "expected"),
    [
        ("10.0.0.0/24", "10.0.0.255", True),
        ("10.0.0.0/24", "10.0.1.0", False),
        ("10.0.0.0/0", "255.255.255.255", True),
        ("10.0.0.5/24", "10.0.0.4", False),  # CIDR.java starts the range at the address written
        ("10.0.0.5/24", "10.0.0.5", True),
        ("2001:db8::/32", "2001:db8:ffff::1", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("10.0.0.0/24", "::ffff:a00:1", True),  # Java turns IPv4-mapped addresses into IPv4
        ("10.0.0.0/24", "::a00:1", False),
        ("10.0.0.0/24", "10.0.0.1 ", False),
        ("10.0.0.0/24", "10.0.0", False),
        ("10.0.0.0/24", 10, False),
    ],
)
def test_cidr(cidr: str, value: Any, expected: bool) -> None:
    assert matches({"ip": [{"cidr": cidr}]}, {"ip": value}) is expected


# exists


def test_exists_works_on_leaves_only() -> None:
    # README "Exists matching": an object is not a leaf, so it does not exist.
    assert matches({"d": {"c": [{"exists": False}]}}, {"d": {"c": {"c1": 100}}})
    assert not matches({"d": {"c": [{"exists": True}]}}, {"d": {"c": {"c1": 100}}})
    assert matches({"d": {"c": [{"exists": True}]}}, {"d": {"c": None}})
    assert not matches({"d": {"c": [{"exists": False}]}}, {"d": {"c": None}})
    assert matches({"d": {"c": [{"exists": False}]}}, {})
    assert matches({"d": {"c": [{"exists": False}]}}, {"d": "scalar"})


def test_an_empty_array_does_not_exist() -> None:
    assert not matches({"resources": [{"exists": True}]}, {"resources": []})
    assert matches({"resources": [{"exists": False}]}, {"resources": [[]]})
    assert matches({"resources": [{"exists": True}]}, {"resources": [None]})


def test_exists_false_or_a_value() -> None:
    # localstack's or-exists-parent template: either alternative of the array can match.
    pattern = {"img": {"homemade": {"S": [{"anything-but": ["roses"]}, {"exists": False}]}}}
    assert matches(pattern, {"img": {"purchased": {"N": "789"}}})
    assert matches(pattern, {"img": {"homemade": {"S": "tulips"}}})
    assert not matches(pattern, {"img": {"homemade": {"S": "roses"}}})


# arrays


EMPLOYEES: dict[str, Any] = {
    "employees": [
        {"firstName": "John", "lastName": "Doe"},
        {"firstName": "Anna", "lastName": "Smith"},
        {"firstName": "Peter", "lastName": "Jones"},
    ]
}


def test_values_in_an_array_match_any_element() -> None:
    assert matches({"resources": ["b"]}, {"resources": ["a", "b"]})
    assert matches({"resources": ["b"]}, {"resources": [["a"], ["b"]]})
    assert matches({"employees": {"firstName": ["Anna"]}}, EMPLOYEES)


def test_fields_from_different_elements_of_one_array_never_match_together() -> None:
    # README "JSON Array Matching": rulesForJSONEvent is array-consistent.
    assert matches({"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}, EMPLOYEES)
    assert not matches({"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, EMPLOYEES)
    nested = {
        "employees": [
            [EMPLOYEES["employees"][0], EMPLOYEES["employees"][1]],
            [EMPLOYEES["employees"][2]],
        ]
    }
    assert not matches({"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, nested)
    assert matches({"employees": {"firstName": ["Peter"], "lastName": ["Jones"]}}, nested)


def test_fields_from_different_arrays_match_together() -> None:
    event = {"a": [{"x": 1}, {"x": 2}], "b": [{"y": 3}]}
    assert matches({"a": {"x": [2]}, "b": {"y": [3]}}, event)


def test_exists_false_ignores_values_from_inconsistent_elements() -> None:
    # NameState.getNameTransitions: only values consistent with the fields matched so far (those
    # sorted before) count as present. "a.w" sorts before "a.x"; "a.y" after it.
    event = {"a": [{"x": 1}, {"w": 2, "y": 2}]}
    assert matches({"a": {"w": [2], "x": [{"exists": False}]}}, event)
    assert not matches({"a": {"x": [{"exists": False}], "y": [2]}}, event)


# paths


def test_dotted_keys_and_nested_objects_are_the_same_path() -> None:
    # README "Compiled rules and JSON keys with dots"; localstack's dot_joining templates.
    assert matches(
        {"detail": {"state.status": ["running"]}}, {"detail": {"state": {"status": "running"}}}
    )
    assert matches(
        {"detail": {"state": {"status": ["running"]}}}, {"detail": {"state.status": "running"}}
    )
    assert not matches(
        {"detail": {"state": {"status": ["running"]}}},
        {"detail": {"state.status": {"status": "running"}}},
    )


def test_a_repeated_key_keeps_its_last_value() -> None:
    # EventBridge docs: "if you include a key more than once the last reference will be the one
    # used".
    pattern = '{"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}'
    assert matches(pattern, {"location": "eu-west"})
    assert not matches(pattern, {"location": "us-east"})


def test_non_string_keys_and_non_object_events_match_nothing() -> None:
    assert not matches({"1": ["x"]}, {1: "x"})  # type: ignore[dict-item]
    assert not compile_pattern({"a": [{"exists": True}]}).matches([{"a": 1}])  # type: ignore[arg-type]


# $or


def test_or_examples_from_the_readme() -> None:
    normal = {
        "source": ["aws.cloudwatch"],
        "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency"]},
            {"namespace": ["AWS/EC2", "AWS/ES"]},
        ],
    }
    assert matches(normal, {"source": "aws.cloudwatch", "namespace": "AWS/ES"})
    assert not matches(normal, {"source": "aws.ec2", "namespace": "AWS/ES"})
    assert not matches(normal, {"source": "aws.cloudwatch", "namespace": "AWS/S3"})


def test_parallel_and_nested_or() -> None:
    parallel = {
        "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
        "detail": {"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["Alarm"]}]},
    }
    assert matches(parallel, {"namespace": "AWS/EC2", "detail": {"detail-type": "Alarm"}})
    assert not matches(parallel, {"namespace": "AWS/EC2", "detail": {"source": "aws.s3"}})
    nested = {
        "source": ["aws.cloudwatch"],
        "$or": [
            {"metricName": ["CPUUtilization"]},
            {"metricType": ["MetricType"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
        ],
    }
    assert matches(
        nested, {"source": "aws.cloudwatch", "metricType": "MetricType", "spaceId": 1000}
    )
    assert not matches(nested, {"source": "aws.cloudwatch", "metricType": "MetricType"})


def test_a_key_after_or_applies_to_every_branch_and_overrides_it() -> None:
    pattern = '{"$or": [{"a": ["1"]}, {"b": ["2"]}], "a": ["3"]}'
    assert matches(pattern, {"a": "3"})
    assert not matches(pattern, {"a": "1"})
    assert compile_pattern(pattern).paths == frozenset({"a", "b"})


def test_or_with_exists() -> None:
    pattern = {"$or": [{"a": [{"exists": True}]}, {"b": [{"exists": False}]}]}
    assert matches(pattern, {"a": 1, "b": 1})
    assert matches(pattern, {})
    assert not matches(pattern, {"b": 1})


# --- the API for SNS and Lambda filters --------------------------------------------------------


def test_paths_and_branches() -> None:
    pattern = compile_pattern({"a": {"b": [1]}, "$or": [{"c": [2]}, {"d": {"e": [3]}}]})
    assert pattern.paths == frozenset({"a.b", "c", "d.e"})
    assert [branch.paths for branch in pattern.branches()] == [
        frozenset({"a.b", "c"}),
        frozenset({"a.b", "d.e"}),
    ]
    assert isinstance(pattern.branches()[0], Pattern)
    assert "a" in repr(pattern)


def test_matches_fields_matches_flat_attributes() -> None:
    # SNS's MessageAttributes scope: one name per attribute, its values (String.Array: several).
    policy = compile_pattern({"store": ["example_corp"], "price_usd": [{"numeric": [">=", 100]}]})
    assert policy.matches_fields({"store": ["example_corp"], "price_usd": [210.75]})
    assert policy.matches_fields({"store": ["other", "example_corp"], "price_usd": [100]})
    assert not policy.matches_fields({"store": ["example_corp"], "price_usd": [99]})
    assert not policy.matches_fields({"store": ["example_corp"]})
    assert not policy.matches_fields({"store": [], "price_usd": [100]})


# --- properties --------------------------------------------------------------------------------

KEYS = st.text(st.characters(exclude_categories=["Cs"]), max_size=6).filter(
    lambda key: key != "$or"
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
)
LEAVES = st.one_of(SCALARS, st.lists(SCALARS, min_size=1, max_size=3))
EVENTS = st.recursive(
    st.dictionaries(KEYS, LEAVES, min_size=1, max_size=4),
    lambda children: st.dictionaries(KEYS, st.one_of(LEAVES, children), min_size=1, max_size=4),
    max_leaves=10,
)


def _leaf_values(
    event: dict[str, Any], path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in event.items():
        if isinstance(value, dict):
            found.extend(_leaf_values(value, (*path, key)))
        else:
            found.append(((*path, key), value[0] if isinstance(value, list) else value))
    return found


def _nest(path: tuple[str, ...], leaf: Any) -> dict[str, Any]:
    pattern: dict[str, Any] = {path[-1]: leaf}
    for key in reversed(path[:-1]):
        pattern = {key: pattern}
    return pattern


@given(event=EVENTS, data=st.data())
def test_a_pattern_built_from_the_events_own_values_matches_it(
    event: dict[str, Any], data: Any
) -> None:
    leaves = _leaf_values(event)
    path, value = data.draw(st.sampled_from(leaves))
    assert compile_pattern(_nest(path, [value])).matches(event)
    assert compile_pattern(_nest(path, [{"exists": True}])).matches(event)
    assert not compile_pattern(_nest(path, [{"exists": False}])).matches(event)


@given(event=EVENTS, data=st.data())
def test_several_fields_of_an_event_match_together(event: dict[str, Any], data: Any) -> None:
    leaves = data.draw(st.lists(st.sampled_from(_leaf_values(event)), min_size=1, max_size=4))
    pattern: dict[str, Any] = {}
    for path, value in leaves:
        node = pattern
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[path[-1]] = [value]
    assume(all(value for value in pattern.values()))
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        assume(False)  # one path was both a leaf and an object: not a pattern
        raise
    assert compiled.matches(event)


COMPARABLE = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-5_000_000_000, max_value=5_000_000_000),
    st.decimals(min_value=-(10**9), max_value=10**9, places=6).map(float),
)


def _same_value(first: Any, second: Any) -> bool:
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in (first, second)]
    if all(numbers):
        return Decimal(repr(first)) == Decimal(repr(second))  # 5 is 5.0
    return type(first) is type(second) and first == second


@given(value=COMPARABLE, other=st.one_of(COMPARABLE, st.sampled_from([5, 5.0, "5", None, True])))
def test_anything_but_a_value_never_matches_that_value(value: Any, other: Any) -> None:
    pattern = compile_pattern({"a": [{"anything-but": value}]})
    assert not pattern.matches({"a": value})
    assert not compile_pattern({"a": [{"anything-but": [value]}]}).matches({"a": value})
    assert pattern.matches({"a": other}) is not _same_value(value, other)


SIX_PLACES = st.decimals(min_value=-(10**9), max_value=10**9, places=6)
OPERATORS = st.sampled_from([">", ">=", "<", "<="])


def _holds(value: Decimal, operator: str, bound: Decimal) -> bool:
    return {
        ">": value > bound,
        ">=": value >= bound,
        "<": value < bound,
        "<=": value <= bound,
    }[operator]


@given(bound=SIX_PLACES, operator=OPERATORS, value=SIX_PLACES)
def test_one_sided_ranges_agree_with_python(bound: Decimal, operator: str, value: Decimal) -> None:
    pattern = compile_pattern(f'{{"a": [{{"numeric": ["{operator}", {bound}]}}]}}')
    assert pattern.matches({"a": float(value)}) is _holds(value, operator, bound)


@given(
    low=SIX_PLACES,
    high=SIX_PLACES,
    value=SIX_PLACES,
    low_op=st.sampled_from([">", ">="]),
    high_op=st.sampled_from(["<", "<="]),
)
def test_two_sided_ranges_agree_with_python(
    low: Decimal, high: Decimal, value: Decimal, low_op: str, high_op: str
) -> None:
    assume(low < high)
    pattern = compile_pattern(f'{{"a": [{{"numeric": ["{low_op}", {low}, "{high_op}", {high}]}}]}}')
    expected = _holds(value, low_op, low) and _holds(value, high_op, high)
    assert pattern.matches({"a": float(value)}) is expected
    assert pattern.matches({"a": str(value)}) is False


@given(value=st.floats(min_value=-6e9, max_value=6e9, allow_nan=False))
def test_arbitrary_floats_match_ranges_only_as_comparable_numbers(value: float) -> None:
    # ComparableNumber: between -5e9 and 5e9, at most six decimals (of the number's text).
    text = Decimal(repr(value))
    comparable = -(10**9) * 5 <= text <= 5 * 10**9 and text == round(text, 6)
    pattern = compile_pattern({"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]})
    assert pattern.matches({"a": value}) is comparable


SIMPLE = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.lists(st.sampled_from(["1", "2", 1, 2]), min_size=1, max_size=2),
    min_size=1,
    max_size=2,
)
SMALL_EVENTS = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2", 1, 2]))


@given(alternatives=st.lists(SIMPLE, min_size=2, max_size=4), event=SMALL_EVENTS)
def test_or_of_patterns_is_any_of_them(
    alternatives: list[dict[str, Any]], event: dict[str, Any]
) -> None:
    combined = compile_pattern({"$or": alternatives})
    assert combined.matches(event) is any(
        matches(alternative, event) for alternative in alternatives
    )


TEXT = st.text(st.sampled_from("aAbB.-é"), max_size=6)


@given(affix=TEXT, value=TEXT)
def test_prefix_and_suffix_agree_with_startswith_and_endswith(affix: str, value: str) -> None:
    assert matches({"a": [{"prefix": affix}]}, {"a": value}) is value.startswith(affix)
    assert matches({"a": [{"suffix": affix}]}, {"a": value}) is value.endswith(affix)


@given(
    text=st.text(st.characters(max_codepoint=127), max_size=6),
    value=st.text(st.characters(max_codepoint=127), max_size=6),
)
def test_ascii_ignore_case_agrees_with_lower(text: str, value: str) -> None:
    assert matches({"a": [{"equals-ignore-case": text}]}, {"a": value}) is (
        text.lower() == value.lower()
    )
    prefix = matches({"a": [{"prefix": {"equals-ignore-case": text}}]}, {"a": value})
    assert prefix is value.lower().startswith(text.lower())


def _wildcard_oracle(wildcard: str) -> re.Pattern[str]:
    regex = ""
    chars = iter(wildcard)
    for char in chars:
        if char == "\\":
            regex += re.escape(next(chars))
        elif char == "*":
            regex += ".*"
        else:
            regex += re.escape(char)
    return re.compile(regex, re.DOTALL)


@given(
    wildcard=st.text(st.sampled_from("ab*\\"), max_size=8),
    value=st.text(st.sampled_from("ab*\\"), max_size=8),
)
def test_wildcard_agrees_with_a_glob_oracle(wildcard: str, value: str) -> None:
    try:
        pattern = compile_pattern({"a": [{"wildcard": wildcard}]})
    except PatternError as error:
        assert error.reason.startswith(("Consecutive wildcard", "Invalid escape character"))
        return
    expected = _wildcard_oracle(wildcard).fullmatch(value) is not None
    assert pattern.matches({"a": value}) is expected
    assert (
        compile_pattern({"a": [{"anything-but": {"wildcard": wildcard}}]}).matches({"a": value})
        is not expected
    )


@given(network=st.ip_addresses(v=4), bits=st.integers(0, 31), address=st.ip_addresses(v=4))
def test_cidr_agrees_with_ipaddress_networks(network: Any, bits: int, address: Any) -> None:
    cidr = ipaddress.ip_network(f"{network}/{bits}", strict=False)
    pattern = compile_pattern({"ip": [{"cidr": f"{cidr.network_address}/{bits}"}]})
    assert pattern.matches({"ip": str(address)}) is (address in cidr)


@given(text=st.text(max_size=40))
def test_any_text_compiles_or_fails_with_a_pattern_error(text: str) -> None:
    try:
        compile_pattern(text)
    except PatternError as error:
        assert all(where.startswith("[Source: (String)") for where in error.locations)


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4)
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                ["a", "b", "$or", "prefix", "numeric", "anything-but", "exists", "cidr", "wildcard"]
            ),
            children,
            max_size=3,
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=300)
@given(pattern=JSON_VALUES, event=EVENTS)
def test_any_json_compiles_or_fails_with_a_pattern_error_and_matching_never_crashes(
    pattern: Any, event: dict[str, Any]
) -> None:
    try:
        compiled = compile_pattern(json.dumps(pattern))
    except PatternError:
        return
    assert compiled.matches(event) in (True, False)
