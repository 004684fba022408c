"""Hypothesis strategies that build operation inputs and outputs from botocore shapes.

Values are what a boto3 caller passes (or gets back): str, int, float, bool, bytes, aware
datetime, dict, list. Where a location of the wire cannot carry a value at all (a header holds
no newline, a URI label is never empty, an empty list in a query string is simply absent),
the strategy does not generate it: those are limits of HTTP, not of the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from hypothesis import strategies as st

MAX_DEPTH = 5

# Characters XML 1.0 can carry (and ElementTree reads back): no C0 controls but tab/LF/CR.
_XML_TEXT = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"],
)
# Header values: visible ASCII and inner spaces; no backslash, which botocore's header-list
# quoting does not escape.
_HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="\\"),
    min_size=1,
    max_size=12,
).map(str.strip)


@dataclass(frozen=True)
class Where:
    """Where on the wire a value travels, which decides what it may contain."""

    location: str = "body"  # body | uri | querystring | header | payload
    xml: bool = False  # carried in an XML document (query protocol responses)
    form: bool = False  # carried in a form body (query protocol requests)
    depth: int = 0

    def deeper(self) -> Where:
        return replace(self, depth=self.depth + 1)


def input_params(operation: OperationModel, protocol: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = operation.input_shape
    if shape is None:
        return st.just({})
    return _top_level(shape, protocol, xml=False)


def output_params(operation: OperationModel, protocol: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = operation.output_shape
    if shape is None:
        return st.just({})
    return _top_level(shape, protocol, xml=protocol == "query")


def _top_level(
    shape: StructureShape, protocol: str, xml: bool
) -> st.SearchStrategy[dict[str, Any]]:
    form = protocol == "query" and not xml
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    payload = shape.serialization.get("payload")
    for name, member in shape.members.items():
        if member.serialization.get("eventstream") or (
            member.type_name == "structure" and _is_event_stream(member)
        ):
            continue
        location = (
            member.serialization.get("location", "body") if protocol.startswith("rest") else "body"
        )
        if name == payload and member.type_name in ("blob", "string"):
            location = "payload"
        where = Where(location=location, xml=xml, form=form)
        strategy = _located(member, where)
        if (
            name in shape.required_members
            or location in ("uri", "statusCode")
            or member.metadata.get("idempotencyToken")
            or member.serialization.get("idempotencyToken")
        ):
            required[name] = strategy
        else:
            optional[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def _is_event_stream(shape: Shape) -> bool:
    return bool(getattr(shape, "serialization", {}).get("eventstream"))


def _located(shape: Shape, where: Where) -> st.SearchStrategy[Any]:
    if where.location == "statusCode":
        return st.integers(200, 299)
    if where.location == "headers":
        return st.dictionaries(
            _HEADER_TEXT.filter(bool).map(str.lower), _HEADER_TEXT, min_size=1, max_size=3
        )
    if where.location == "querystring" and isinstance(shape, MapShape):
        values = (
            st.lists(_text(where), min_size=1, max_size=2)
            if isinstance(shape.value, ListShape)
            else _text(where)
        )
        return st.dictionaries(
            st.text(min_size=1, max_size=8).map(lambda k: "qk-" + k), values, min_size=1, max_size=3
        )
    if where.location in ("querystring", "header") and isinstance(shape, ListShape):
        return st.lists(_value(shape.member, where), min_size=1, max_size=3)
    if where.location == "payload":
        if shape.type_name == "blob":
            return st.binary(min_size=1, max_size=64)
        return st.text(min_size=1, max_size=20)
    return _value(shape, where)


def _value(shape: Shape, where: Where) -> st.SearchStrategy[Any]:
    if getattr(shape, "is_document_type", False):
        return _documents()
    if isinstance(shape, StructureShape):
        return _structure(shape, where)
    if isinstance(shape, ListShape):
        size = 0 if where.depth >= MAX_DEPTH else 3
        return st.lists(
            _value(shape.member, where.deeper()),
            max_size=size,
            min_size=1 if where.form and size else 0,
        )
    if isinstance(shape, MapShape):
        size = 0 if where.depth >= MAX_DEPTH else 3
        keys = _text(where).filter(bool) if where.xml else _text(where)
        return st.dictionaries(
            keys,
            _value(shape.value, where.deeper()),
            max_size=size,
            min_size=1 if where.form and size else 0,
        )
    return _scalar(shape, where)


def _structure(shape: StructureShape, where: Where) -> st.SearchStrategy[dict[str, Any]]:
    inner = where.deeper()
    members = {
        name: member for name, member in shape.members.items() if not _is_event_stream(member)
    }
    if shape.is_tagged_union:
        return st.one_of([st.fixed_dictionaries({n: _value(m, inner)}) for n, m in members.items()])
    required = {n: _value(m, inner) for n, m in members.items() if n in shape.required_members}
    if where.depth >= MAX_DEPTH:
        return st.fixed_dictionaries(required)
    optional = {n: _value(m, inner) for n, m in members.items() if n not in shape.required_members}
    return st.fixed_dictionaries(required, optional=optional)


def _scalar(shape: Shape, where: Where) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        if shape.serialization.get("jsonvalue"):
            return st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
        return _text(where)
    if kind == "integer":
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "long":
        return st.integers(-(2**63), 2**63 - 1)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        return st.binary(max_size=32)
    if kind == "timestamp":
        return _timestamps(whole_seconds=where.location == "header")
    raise AssertionError(f"no strategy for {kind}")


def _text(where: Where) -> st.SearchStrategy[str]:
    if where.location == "header":
        return _HEADER_TEXT
    if where.location == "uri":
        return st.text(min_size=1, max_size=12)
    if where.xml:
        return st.text(_XML_TEXT, max_size=12)
    return st.text(max_size=12)


def _timestamps(whole_seconds: bool) -> st.SearchStrategy[datetime]:
    moments = st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
    if whole_seconds:
        return moments.map(lambda m: m.replace(microsecond=0))
    return moments.map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))


def _documents() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=6,
    )
