"""Subscription filter policies: SNS's checks and limits on top of the shared event-pattern
matcher (lambdalite/triggers/patterns.py, event-ruler's semantics), and matching a message in
either scope.

Sources:

* Error messages recorded against AWS in localstack/localstack
  tests/aws/services/sns/test_sns_filter_policy.snapshot.json (``test_validate_policy*``,
  ``test_policy_complexity*``, ``test_sub_filter_policy_nested_property*``) and
  test_sns.snapshot.json (``test_validate_set_sub_attributes``,
  ``test_subscribe_invalid_filter_policy``): rule errors carry event-ruler's reason and
  location; JSON syntax errors are "failed to parse JSON." with a location whose source is
  REDACTED; SNS refuses ``anything-but`` with ``suffix``/``exists`` and words a non-string
  ``anything-but`` prefix as "prefix match pattern must be a string".
* https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html: at most
  5 keys, at most 150 combinations of values; and attribute-key-matching.html: ``exists: false``
  matches only a message that has at least one attribute.
* https://docs.aws.amazon.com/sns/latest/dg/message-filtering-apply.html and
  sns-message-attributes.html: String.Array attributes match when any element does, Number
  attributes compare as numbers, Binary attributes are not matched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lambdalite.services.sns.errors import InvalidParameter
from lambdalite.triggers.patterns import Pattern, PatternError, compile_pattern

MESSAGE_ATTRIBUTES, MESSAGE_BODY = "MessageAttributes", "MessageBody"
MAX_KEYS = 5
MAX_COMBINATIONS = 150

_REDACTED = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
_SOURCE = re.compile(r"\[Source: .*; (line: \d+, column: \d+)\]", re.S)
_ANYTHING_BUT_KIND = re.compile(r'"anything-but"\s*:\s*\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*')
_SNS_ANYTHING_BUT = frozenset({"prefix"})
_NOT_ONE_VALUE = "Value of anything-but must be an array or single string/number value."


def compiled(text: str, scope: str, prefix: str) -> Pattern:
    """The policy ``text`` compiled, or InvalidParameter ``<prefix>FilterPolicy: <reason>``.

    ``prefix`` is "Invalid parameter: " for SetSubscriptionAttributes and
    "Invalid parameter: Attributes Reason: " for Subscribe.
    """
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidParameter(
            f"{prefix}FilterPolicy: failed to parse JSON. {jackson_syntax_error(text)}"
        ) from None
    try:
        pattern = compile_pattern(text)
    except PatternError as error:
        raise InvalidParameter(f"{prefix}FilterPolicy: {_sns_wording(text, error)}") from None
    _check_anything_but(text, prefix)
    _check_shape(parsed, scope, prefix)
    return pattern


def jackson_syntax_error(text: str) -> str:
    """Jackson's complaint about malformed JSON, its source redacted as SNS's newer Jackson does."""
    try:
        compile_pattern(text)
    except PatternError as error:
        return _SOURCE.sub(f"[Source: {_REDACTED}; \\1]", str(error))
    return "Unexpected end-of-input"


def _sns_wording(text: str, error: PatternError) -> str:
    if error.reason == _NOT_ONE_VALUE and error.locations:
        kinds = [found.group(1) for found in _ANYTHING_BUT_KIND.finditer(text)]
        if "prefix" in kinds:
            return str(PatternError("prefix match pattern must be a string", error.locations))
    return str(error)


def _check_anything_but(text: str, prefix: str) -> None:
    """SNS takes only ``prefix`` inside an ``anything-but`` object (event-ruler takes more)."""
    for found in _ANYTHING_BUT_KIND.finditer(text):
        kind = found.group(1)
        if kind not in _SNS_ANYTHING_BUT:
            where = _location(text, found.end())
            raise InvalidParameter(
                f"{prefix}FilterPolicy: Unsupported anything-but pattern: {kind}\n at "
                f'[Source: (String)"{text}"; {where}]'
            )


def _location(text: str, offset: int) -> str:
    """Where Jackson stands after reading the value at ``offset``: one past a string's opening
    quote (it reads strings lazily), or past the end of any other token."""
    end = offset + 1
    if text[offset] != '"':
        token = re.match(r"[^\s,}\]]*", text[offset:])
        end = offset + (len(token.group()) if token else 0)
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1) + 1
    return f"line: {line}, column: {column}"


def _check_shape(policy: Any, scope: str, prefix: str) -> None:
    branches = list(_branches(policy, ()))
    if scope == MESSAGE_ATTRIBUTES and any(len(path) > 1 for b in branches for path in b):
        raise InvalidParameter(
            f"Invalid parameter: Filter policy scope {MESSAGE_ATTRIBUTES} does not support nested "
            "filter policy"
        )
    if any(len(branch) > MAX_KEYS for branch in branches):
        raise InvalidParameter(f"{prefix}FilterPolicy: Filter policy can not have more than 5 keys")
    if sum(_product(branch.values()) for branch in branches) > MAX_COMBINATIONS:
        raise InvalidParameter(f"{prefix}FilterPolicy: Filter policy is too complex")


def _product(sizes: Any) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


def _branches(
    node: Mapping[str, Any], path: tuple[str, ...]
) -> Iterator[dict[tuple[str, ...], int]]:
    """Each ``$or`` alternative as {key path: number of values} (a compiled policy is valid)."""
    partial: list[dict[tuple[str, ...], int]] = [{}]
    for key, value in node.items():
        if key == "$or":
            options = [b for item in value for b in _branches(item, path)]
        elif isinstance(value, dict):
            options = list(_branches(value, (*path, key)))
        else:
            options = [{(*path, key): len(value)}]
        partial = [{**done, **option} for done in partial for option in options]
    yield from partial


def matches(
    pattern: Pattern, scope: str, message: str, attributes: Mapping[str, Mapping[str, Any]]
) -> bool:
    """Whether a message (its text for this subscription, its attributes) passes the policy."""
    if scope == MESSAGE_BODY:
        body = _json_object(message)
        return body is not None and pattern.matches(body)
    fields = {
        name: values for name, attribute in attributes.items() if (values := _values(attribute))
    }
    return bool(attributes) and pattern.matches_fields(fields)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _values(attribute: Mapping[str, Any]) -> list[Any]:
    """An attribute's values as the matcher sees them; none for Binary ones."""
    kind = str(attribute.get("DataType", ""))
    text = attribute.get("StringValue")
    if kind.startswith("Binary") or text is None:
        return []
    if kind.startswith("Number"):
        return [_number(text)]
    if kind == "String.Array":
        items = _json_array(text)
        return items if items is not None else [text]
    return [text]


def _number(text: str) -> Any:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _json_array(text: str) -> list[Any] | None:
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        return None
    return value if isinstance(value, list) else None
