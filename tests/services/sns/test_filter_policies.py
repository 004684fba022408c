"""Filter policies: AWS's matching semantics checked against an independent oracle with
hypothesis (MessageAttributes scope), the body scope's nested keys, and end to end through a
subscription.

The oracle is written from SNS's documentation (message-filtering-*.html,
attribute-key-matching.html, string-value-matching.html, numeric-value-matching.html): keys AND,
values within a key OR; String.Array attributes match when any element does; Number attributes
compare numerically; Binary attributes are never matched; a message without attributes matches no
policy (not even ``exists: false``).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambdalite.services.sns import filter_policies
from lambdalite.services.sns.filter_policies import MESSAGE_ATTRIBUTES, MESSAGE_BODY

from .conftest import body, collect, nothing_in, subscribe_queue

NAMES = ("a", "b", "c")
WORDS = ("red", "Red", "rose", "blue", "bluered", "")
NUMBERS = (-5, 0, 1, 2.5, 10, 100)

Attributes = dict[str, dict[str, str]]


# --- the oracle -------------------------------------------------------------------------------


def values_of(attribute: Mapping[str, str]) -> list[Any]:
    kind = attribute["DataType"]
    if kind == "Binary":
        return []
    if kind == "Number":
        return [Decimal(attribute["StringValue"])]
    if kind == "String.Array":
        return [
            Decimal(str(v)) if isinstance(v, int | float) else v
            for v in json.loads(attribute["StringValue"])
        ]
    return [attribute["StringValue"]]


_COMPARE = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def condition_holds(condition: Any, values: list[Any], present: bool) -> bool:
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if isinstance(v, Decimal)]
    if isinstance(condition, str):
        return condition in strings
    if isinstance(condition, int | float):
        return Decimal(str(condition)) in numbers
    (kind, argument), *_ = condition.items()
    if kind == "exists":
        return present == argument
    if kind == "prefix":
        return any(s.startswith(argument) for s in strings)
    if kind == "suffix":
        return any(s.endswith(argument) for s in strings)
    if kind == "equals-ignore-case":
        return any(s.lower() == argument.lower() for s in strings)
    if kind == "anything-but":
        return any(v not in argument for v in strings) or (bool(numbers) and bool(argument))
    if kind == "numeric":
        pairs = list(zip(argument[::2], argument[1::2], strict=True))
        return any(all(_COMPARE[op](n, Decimal(str(x))) for op, x in pairs) for n in numbers)
    raise AssertionError(kind)


def oracle(policy: Mapping[str, list[Any]], attributes: Attributes) -> bool:
    if not attributes:
        return False
    for name, conditions in policy.items():
        present = name in attributes and bool(values_of(attributes[name]))
        values = values_of(attributes[name]) if name in attributes else []
        if not any(condition_holds(c, values, present) for c in conditions):
            return False
    return True


# --- strategies -------------------------------------------------------------------------------

conditions = st.one_of(
    st.sampled_from([w for w in WORDS if w]),
    st.sampled_from(NUMBERS),
    st.builds(lambda w: {"prefix": w}, st.sampled_from(["r", "bl", "ro"])),
    st.builds(lambda w: {"suffix": w}, st.sampled_from(["ed", "e", "red"])),
    st.builds(lambda w: {"equals-ignore-case": w}, st.sampled_from(["RED", "blue"])),
    st.builds(
        lambda ws: {"anything-but": ws},
        st.lists(st.sampled_from(["red", "blue"]), min_size=1, max_size=2, unique=True),
    ),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(
        lambda op, n: {"numeric": [op, n]},
        st.sampled_from(["=", "<", "<=", ">", ">="]),
        st.sampled_from(NUMBERS),
    ),
    st.builds(
        lambda lo, hi: {"numeric": [">", lo, "<=", lo + hi]},
        st.sampled_from(NUMBERS),
        st.sampled_from([1, 50]),
    ),
)
policies = st.dictionaries(
    st.sampled_from(NAMES), st.lists(conditions, min_size=1, max_size=3), min_size=1, max_size=3
)
attribute_values = st.one_of(
    st.builds(
        lambda w: {"DataType": "String", "StringValue": w}, st.sampled_from([w for w in WORDS if w])
    ),
    st.builds(lambda n: {"DataType": "Number", "StringValue": str(n)}, st.sampled_from(NUMBERS)),
    st.builds(
        lambda items: {"DataType": "String.Array", "StringValue": json.dumps(items)},
        st.lists(
            st.one_of(st.sampled_from(["red", "blue", "rose"]), st.sampled_from([1, 10])),
            max_size=3,
        ),
    ),
    st.just({"DataType": "Binary", "StringValue": "ignored"}),
)
messages = st.dictionaries(st.sampled_from(NAMES), attribute_values, max_size=3)


def sns_matches(policy: Mapping[str, Any], attributes: Attributes) -> bool:
    pattern = filter_policies.compiled(json.dumps(policy), MESSAGE_ATTRIBUTES, "")
    wire = {
        name: (dict(v, BinaryValue=b"x") if v["DataType"] == "Binary" else v)
        for name, v in attributes.items()
    }
    return filter_policies.matches(pattern, MESSAGE_ATTRIBUTES, "body", wire)


@settings(max_examples=400, deadline=None)
@given(policies, messages)
def test_attribute_matching_agrees_with_the_oracle(
    policy: dict[str, list[Any]], attributes: Attributes
) -> None:
    assert sns_matches(policy, attributes) == oracle(policy, attributes)


@settings(max_examples=200, deadline=None)
@given(policies, policies, messages)
def test_or_is_either_branch(
    first: dict[str, list[Any]], second: dict[str, list[Any]], attributes: Attributes
) -> None:
    either = {"$or": [first, second]}
    assert sns_matches(either, attributes) == (
        oracle(first, attributes) or oracle(second, attributes)
    )


def test_documented_examples() -> None:
    attributes = {
        "customer_interests": {
            "DataType": "String.Array",
            "StringValue": '["soccer", "rugby", "hockey"]',
        },
        "store": {"DataType": "String", "StringValue": "example_corp"},
        "event": {"DataType": "String", "StringValue": "order_placed"},
        "price_usd": {"DataType": "Number", "StringValue": "210.75"},
    }
    # https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html
    assert sns_matches(
        {
            "store": ["example_corp"],
            "event": [{"anything-but": "order_cancelled"}],
            "customer_interests": ["rugby", "football", "baseball"],
            "price_usd": [{"numeric": [">=", 100]}],
        },
        attributes,
    )
    assert not sns_matches({"price_usd": [{"numeric": ["<", 100]}]}, attributes)
    assert sns_matches({"store": [{"exists": True}]}, attributes)
    assert not sns_matches({"store": [{"exists": False}]}, attributes)
    assert not sns_matches({"store": [{"exists": False}]}, {})


def body_matches(policy: Mapping[str, Any], message: str) -> bool:
    pattern = filter_policies.compiled(json.dumps(policy), MESSAGE_BODY, "")
    return filter_policies.matches(pattern, MESSAGE_BODY, message, {})


def test_body_scope_nested_keys() -> None:
    policy = {"object": {"nested": ["string.value"]}}
    assert body_matches(policy, json.dumps({"object": {"nested": "string.value"}}))
    assert not body_matches(policy, json.dumps({"object": {"nested": "other"}}))
    assert not body_matches(policy, "not json at all")
    routes = {"headers": {"route-to": ["queue1"]}}
    assert body_matches(routes, json.dumps({"headers": {"route-to": ["queue1", "queue2"]}}))
    assert not body_matches(routes, json.dumps({"headers": {"route-to": ["queue2"]}}))
    s3 = {"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}}}}
    assert body_matches(
        s3, json.dumps({"Records": [{"s3": {"object": {"key": "auto-insurance-2314.xml"}}}]})
    )


def test_end_to_end(sns: Any, sqs: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    by_attributes, by_attributes_arn = queue()
    by_body, by_body_arn = queue()
    subscribe_queue(
        sns,
        topic_arn,
        by_attributes_arn,
        FilterPolicy=json.dumps({"attr1": [{"numeric": [">", 0, "<=", 100]}]}),
    )
    subscribe_queue(
        sns,
        topic_arn,
        by_body_arn,
        FilterPolicyScope="MessageBody",
        FilterPolicy=json.dumps({"object": {"key": [{"prefix": "auto-"}]}}),
        RawMessageDelivery="true",
    )
    number = {"attr1": {"DataType": "Number", "StringValue": "99"}}
    sns.publish(TopicArn=topic_arn, Message="in range", MessageAttributes=number)
    sns.publish(
        TopicArn=topic_arn,
        Message="out of range",
        MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "111"}},
    )
    sns.publish(TopicArn=topic_arn, Message=json.dumps({"object": {"key": "auto-test"}}))
    sns.publish(TopicArn=topic_arn, Message=json.dumps({"object": {"key": "manual"}}))
    [passed] = collect(sqs, by_attributes, 1)
    assert body(passed)["Message"] == "in range"
    [matched] = collect(sqs, by_body, 1)
    assert json.loads(matched["Body"]) == {"object": {"key": "auto-test"}}
    assert nothing_in(sqs, by_attributes) and nothing_in(sqs, by_body)
