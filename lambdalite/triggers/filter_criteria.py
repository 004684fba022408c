"""Lambda event-source-mapping ``FilterCriteria`` for Amazon SQS records.

A mapping's ``FilterCriteria`` holds up to five ``Filters``, each an EventBridge event pattern in
``Pattern`` (a JSON string). A record goes to the function when any filter matches it; with no
filters every record goes. Lambda matches a filter against the record as it builds it for the
function, with two twists:

* The message ``body`` is a string. When it holds a JSON document, a filter reaches into it
  (``{"body": {"RequestCode": ["BBBB"]}}``); when it does not, a filter treats it as a string
  (``{"body": [{"prefix": "Result"}]}``). A filter whose ``body`` part expects the other format
  drops the message; a filter that does not name ``body`` skips the check.
* The fields the poller adds (``eventSource``, ``eventSourceARN``, ``awsRegion``) are added after
  filtering: a filter cannot match on them.

Sources:

* https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html ("Control which
  events Lambda sends to your function"; awsdocs/aws-lambda-developer-guide
  doc_source/invocation-eventfiltering.md): up to five filters (a quota that can be raised to
  ten), ORed; EventBridge's pattern syntax; the SQS table "Incoming message body format / Filter
  pattern body format / Resulting action"; metadata properties (``attributes``,
  ``messageAttributes``) filterable beside ``body``. The current per-service page
  (with-sqs-filtering.html) also says "Amazon SQS event source mappings only support filtering
  on the body key"; Lambda's behaviour for a metadata filter under that note is not documented,
  so such filters are matched against the record as the older page describes.
* https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html
  (awsdocs/amazon-eventbridge-user-guide doc_source/eb-pipes-event-filtering.md): the same table,
  the fields that "can't be used in event patterns", and "Lambda ESM and EventBridge Pipes operate
  generally the same way".

Not found in AWS's documents, hence choices documented here: a body counts as JSON when it parses
as a JSON object or array (a bare JSON scalar such as ``42`` stays a plain string); the wording
Lambda answers for more than five filters (:class:`FilterLimitError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Final

from lambdalite.triggers.patterns import Pattern, PatternError, compile_pattern

__all__ = ["MAX_FILTERS", "FilterLimitError", "RecordFilter", "check_filter_criteria"]

MAX_FILTERS: Final = 5  # the default quota; AWS raises it to at most 10 on request

# Added by the poller after filtering (eb-pipes-event-filtering: "The following fields can't be
# used in event patterns").
_POLLER_FIELDS: Final = frozenset(
    {
        "awsRegion",
        "eventSource",
        "eventSourceARN",
        "eventVersion",
        "eventID",
        "eventName",
        "invokeIdentityArn",
        "eventSourceKey",
    }
)

_BODY: Final = "body"


class FilterLimitError(PatternError):
    """More filters than the quota allows.

    AWS documents that Lambda "will return an error" but not its wording; this error is a
    :class:`PatternError` so that callers answering ``InvalidParameterValueException`` for bad
    patterns also refuse these, and its reason says what is wrong.
    """

    def __init__(self, count: int) -> None:
        super().__init__(
            f"The number of filters ({count}) exceeds the limit of {MAX_FILTERS} per event "
            "source mapping"
        )
        self.count = count


def check_filter_criteria(criteria: Mapping[str, Any] | None) -> None:
    """Raise :class:`PatternError` when ``criteria`` is not a valid ``FilterCriteria``.

    The caller answers ``InvalidParameterValueException`` "Invalid filter pattern definition.".
    ``None``, ``{}`` and an empty ``Filters`` list are valid: they mean no filtering (Lambda's
    docs remove filters with ``--filter-criteria "{}"``).
    """
    _compile(criteria)


def _compile(criteria: Mapping[str, Any] | None) -> list[Pattern]:
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise FilterLimitError(len(filters))
    return [_compile_filter(item) for item in filters]


def _compile_filter(item: object) -> Pattern:
    pattern = item.get("Pattern") if isinstance(item, Mapping) else None
    # A filter without a pattern is no pattern at all: event-ruler's "Filter is not an object".
    return compile_pattern(pattern if isinstance(pattern, str) else "")


class _BodyFormat:
    """What a pattern branch expects of the message body."""

    ANY = "any"  # the branch does not name body
    JSON = "json"  # it names fields inside body
    TEXT = "text"  # it matches body itself as a string
    NEVER = "never"  # it does both: no body satisfies it


def _body_format(branch: Pattern) -> str:
    inside = any(path.startswith(f"{_BODY}.") for path in branch.paths)
    itself = _BODY in branch.paths
    if inside and itself:
        return _BodyFormat.NEVER
    if inside:
        return _BodyFormat.JSON
    return _BodyFormat.TEXT if itself else _BodyFormat.ANY


def _json_document(body: object) -> object | None:
    """The parsed body when it is a JSON object or array, else None."""
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except ValueError:
        return None
    return document if isinstance(document, dict | list) else None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity; JSON does not


class _Views:
    """A record as filters see it: body as text, and body parsed when it is JSON."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.text = {key: value for key, value in record.items() if key not in _POLLER_FIELDS}

    @cached_property
    def json(self) -> dict[str, Any] | None:
        # Parsed only when a filter names body: bodies can be large.
        document = _json_document(self.text.get(_BODY))
        return None if document is None else {**self.text, _BODY: document}


class RecordFilter:
    """The ``FilterCriteria`` of an SQS event source mapping, compiled once.

    :meth:`matches` takes one record as Lambda builds it for the function (``messageId``,
    ``receiptHandle``, ``body``, ``attributes``, ``messageAttributes``, ``md5OfBody``,
    ``eventSource``, ``eventSourceARN``, ``awsRegion``).
    """

    def __init__(self, criteria: Mapping[str, Any] | None) -> None:
        patterns = _compile(criteria)
        self._filtering = bool(patterns)
        self._branches = tuple(
            (_body_format(branch), branch) for pattern in patterns for branch in pattern.branches()
        )

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the record goes to the function: no filters, or one filter matches."""
        if not self._filtering:
            return True
        views = _Views(record)
        return any(_branch_matches(expected, branch, views) for expected, branch in self._branches)


def _branch_matches(expected: str, branch: Pattern, views: _Views) -> bool:
    if expected == _BodyFormat.JSON:
        return views.json is not None and branch.matches(views.json)
    if expected == _BodyFormat.TEXT:
        return views.json is None and branch.matches(views.text)
    return expected == _BodyFormat.ANY and branch.matches(views.text)
