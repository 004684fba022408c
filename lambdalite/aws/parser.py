"""HTTP request -> operation input dict, for the ``rest-json``, ``json`` and ``query`` protocols.

Driven entirely by the botocore model of the operation: member locations (uri, querystring,
header, headers, payload, body), serialized names, flattened lists and maps, timestamp formats.
The result has the same form a boto3 caller passed in: ``int``/``float``/``bool``/``bytes``/aware
``datetime`` values, absent members left out. Type errors raise ``SerializationException``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from lambdalite.aws.errors import SerializationException
from lambdalite.aws.http import HttpRequest
from lambdalite.aws.members import Member, members
from lambdalite.aws.values import (
    ValueFormatError,
    decode_blob,
    parse_bool_text,
    parse_float,
    parse_int_text,
    parse_timestamp,
)

Params = dict[str, Any]


def parse_request(
    protocol: str, operation: OperationModel, request: HttpRequest, uri_params: Mapping[str, str]
) -> Params:
    """Read the input of ``operation`` from ``request`` spoken in ``protocol``."""
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        if protocol == "json":
            return _json_structure(shape, _load_json(request.body, default={}), "")
        if protocol == "query":
            return _query_structure(shape, _form_tree(request.form), "")
        return _parse_rest_json(operation, shape, request, uri_params)
    except ValueFormatError as error:
        raise SerializationException(str(error)) from error


# --- json documents ----------------------------------------------------------------------------


def _load_json(body: bytes, default: Any) -> Any:
    if not body.strip():
        return default
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueFormatError(f"Could not parse the request body as JSON: {error}") from error


def _from_json(shape: Shape, value: Any, path: str) -> Any:
    if value is None:
        return None
    return _JSON_READERS.get(shape.type_name, _json_scalar)(shape, value, path)


def _json_structure(shape: Shape, value: Any, path: str) -> Params:
    if getattr(shape, "is_document_type", False):
        return value  # type: ignore[no-any-return]
    _expect(value, dict, "a structure", path)
    result: Params = {}
    for name, wire_name, member, type_name, _ in members(shape):
        item = value.get(wire_name)
        if item is None:
            continue
        if type_name == "string" and type(item) is str:
            result[name] = item  # the common case, without the reader's checks
        else:
            result[name] = _from_json(member, item, f"{path}.{name}")
    return result


def _json_list(shape: Shape, value: Any, path: str) -> list[Any]:
    _expect(value, list, "a list", path)
    return [_from_json(shape.member, item, path) for item in value]


def _json_map(shape: Shape, value: Any, path: str) -> dict[str, Any]:
    _expect(value, dict, "a map", path)
    return {key: _from_json(shape.value, item, path) for key, item in value.items()}


def _json_scalar(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        _expect(value, str, "a string", path)
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueFormatError(f"Expected an integer at '{path.lstrip('.')}'")
        return value
    if kind == "boolean":
        _expect(value, bool, "a boolean", path)
        return value
    if kind in ("float", "double"):
        return parse_float(value)
    if kind == "blob":
        _expect(value, str, "a base64 string", path)
        return decode_blob(value)
    if kind == "timestamp":
        return parse_timestamp(value)
    return value


def _expect(value: Any, kind: type, what: str, path: str) -> None:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueFormatError(f"Expected {what} at '{path.lstrip('.') or 'body'}'")


_JSON_READERS: dict[str, Callable[[Shape, Any, str], Any]] = {
    "structure": _json_structure,
    "list": _json_list,
    "map": _json_map,
}


# --- text values (query strings, headers, uri labels, form fields) ----------------------------


def _from_text(shape: Shape, text: str, timestamp_format: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        if shape.serialization.get("jsonvalue"):
            return json.loads(decode_blob(text))
        return text
    if kind in ("integer", "long"):
        return parse_int_text(text)
    if kind == "boolean":
        return parse_bool_text(text)
    if kind in ("float", "double"):
        return parse_float(text)
    if kind == "blob":
        return decode_blob(text)
    if kind == "timestamp":
        return _timestamp_text(shape, text, timestamp_format)
    raise ValueFormatError(f"A {kind} cannot be read from text")


def _timestamp_text(shape: Shape, text: str, default_format: str) -> datetime:
    timestamp_format = shape.serialization.get("timestampFormat", default_format)
    if timestamp_format == "unixTimestamp":
        return parse_timestamp(parse_float(text))
    return parse_timestamp(text)


# --- rest-json ---------------------------------------------------------------------------------


def _parse_rest_json(
    operation: OperationModel,
    shape: StructureShape,
    request: HttpRequest,
    uri_params: Mapping[str, str],
) -> Params:
    result: Params = {}
    body_members: list[Member] = []
    located = _Located(request, uri_params, _claimed_query_keys(operation, shape))
    for member in members(shape):
        if member.location is None:
            body_members.append(member)
            continue
        value = _LOCATED_READERS[member.location](member.name, member.shape, located)
        if value is not None:
            result[member.name] = value
    payload = shape.serialization.get("payload")
    if payload is not None:
        value = _read_payload(shape.members[payload], request.body)
        if value is not None:
            result[payload] = value
    elif body_members:
        document = _load_json(request.body, default={})
        _expect(document, dict, "a JSON object", "")
        for name, wire_name, member_shape, _, _ in body_members:
            if document.get(wire_name) is not None:
                result[name] = _from_json(member_shape, document[wire_name], name)
    return result


@dataclass(frozen=True, slots=True)
class _Located:
    """What the readers of located (non-body) members read from."""

    request: HttpRequest
    uri_params: Mapping[str, str]
    claimed_query_keys: frozenset[str]


@cache  # one entry per operation of the served models
def _claimed_query_keys(operation: OperationModel, shape: StructureShape) -> frozenset[str]:
    """Query keys a querystring map must leave alone: named members and the URI's constants."""
    constant = operation.http["requestUri"].partition("?")[2]
    keys = {part.partition("=")[0] for part in constant.split("&") if part}
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring":
            keys.add(member.serialization.get("name", name))
    return frozenset(keys)


def _read_uri(name: str, member: Shape, located: _Located) -> Any:
    text = located.uri_params.get(member.serialization.get("name", name))
    return None if text is None else _from_text(member, text, "iso8601")


def _read_querystring(name: str, member: Shape, located: _Located) -> Any:
    if isinstance(member, MapShape):
        return _query_map(member, located)
    key_name = member.serialization.get("name", name)
    values = [value for key, value in located.request.query_pairs if key == key_name]
    if not values:
        return None
    if isinstance(member, ListShape):
        return [_from_text(member.member, value, "iso8601") for value in values]
    return _from_text(member, values[0], "iso8601")


def _query_map(member: MapShape, located: _Located) -> dict[str, Any] | None:
    """A querystring map collects every parameter not claimed by a named member."""
    found: dict[str, Any] = {}
    for key, value in located.request.query_pairs:
        if key in located.claimed_query_keys:
            continue
        if isinstance(member.value, ListShape):
            found.setdefault(key, []).append(value)
        else:
            found[key] = value
    return found or None


def _read_header(name: str, member: Shape, located: _Located) -> Any:
    text = located.request.headers.get(member.serialization.get("name", name).lower())
    if text is None:
        return None
    if isinstance(member, ListShape):
        return [_from_text(member.member, item, "rfc822") for item in split_header_list(text)]
    return _from_text(member, text, "rfc822")


def _read_headers_map(name: str, member: Shape, located: _Located) -> Any:
    prefix = member.serialization.get("name", "").lower()
    found = {
        header[len(prefix) :]: value
        for header, value in located.request.headers.items()
        if header.startswith(prefix)
    }
    return found or None


def _read_status(*_: Any) -> None:
    return None  # a response-only location


_LOCATED_READERS: dict[str, Callable[[str, Shape, _Located], Any]] = {
    "uri": _read_uri,
    "querystring": _read_querystring,
    "header": _read_header,
    "headers": _read_headers_map,
    "statusCode": _read_status,
}


def _read_payload(member: Shape, body: bytes) -> Any:
    if member.type_name == "blob":
        return body or None
    if member.type_name == "string":
        return body.decode("utf-8") if body else None
    document = _load_json(body, default=None)
    return None if document is None else _from_json(member, document, member.name)


def split_header_list(text: str) -> list[str]:
    """Split a comma-separated header list, honouring ``"quoted, values"`` as botocore writes."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return items


# --- query (form) ------------------------------------------------------------------------------

Tree = dict[str, Any]


def _form_tree(form: Mapping[str, str]) -> Tree:
    """``{"A.member.1.B": "x"}`` -> ``{"A": {"member": {"1": {"B": "x"}}}}``."""
    tree: Tree = {}
    for key, value in form.items():
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(leaf), dict):
            node[leaf] = value
    return tree


def _from_query(shape: Shape, node: Any, path: str) -> Any:
    if isinstance(shape, StructureShape):
        return _query_structure(shape, node, path)
    if isinstance(shape, ListShape):
        return _query_list(shape, node, path)
    if isinstance(shape, MapShape):
        return _query_map_node(shape, node, path)
    if not isinstance(node, str):
        raise ValueFormatError(f"Expected a single value at '{path}'")
    return _from_text(shape, node, "iso8601")


def _query_structure(shape: StructureShape, node: Any, path: str) -> Params:
    if not isinstance(node, dict):
        raise ValueFormatError(f"Expected a structure at '{path}'")
    result: Params = {}
    for name, member in shape.members.items():
        child = node.get(query_member_key(member, name))
        if child is not None:
            result[name] = _from_query(member, child, f"{path}.{name}".lstrip("."))
    return result


def query_member_key(member: Shape, name: str) -> str:
    """The form key of a structure member (a flattened list takes its member's name)."""
    if isinstance(member, ListShape) and member.serialization.get("flattened"):
        member_name = member.member.serialization.get("name")
        if member_name:
            return str(member_name)
    return str(member.serialization.get("name", name))


def _query_list(shape: ListShape, node: Any, path: str) -> list[Any]:
    if node == "":
        return []  # botocore sends ``Name=`` for an empty list
    if not shape.serialization.get("flattened"):
        node = (
            node.get(shape.member.serialization.get("name", "member"))
            if isinstance(node, dict)
            else None
        )
    return [_from_query(shape.member, item, path) for item in _indexed(node, path)]


def _query_map_node(shape: MapShape, node: Any, path: str) -> dict[str, Any]:
    if node == "":
        return {}
    if not shape.serialization.get("flattened"):
        node = node.get("entry") if isinstance(node, dict) else None
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[str, Any] = {}
    for entry in _indexed(node, path):
        if not isinstance(entry, dict) or not isinstance(entry.get(key_name), str):
            raise ValueFormatError(f"Expected map entries at '{path}'")
        value = entry.get(value_name)
        result[entry[key_name]] = None if value is None else _from_query(shape.value, value, path)
    return result


def _indexed(node: Any, path: str) -> list[Any]:
    """The children of a ``.1``, ``.2``, ... node in index order."""
    if not isinstance(node, dict):
        raise ValueFormatError(f"Expected a numbered list at '{path}'")
    try:
        ordered = sorted(node.items(), key=lambda item: int(item[0]))
    except ValueError as error:
        raise ValueFormatError(f"Expected a numbered list at '{path}'") from error
    return [value for _, value in ordered]
