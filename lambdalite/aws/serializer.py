"""Output dict / ServiceError -> HTTP response, for ``rest-json``, ``json`` and ``query``.

Driven by the botocore model: status codes, header and status-code members, payload members,
serialized names, flattened lists and maps, result wrappers, XML namespaces, timestamp formats,
and the error shapes (status, sender fault, legacy query codes, message member casing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from lambdalite.aws.errors import ServiceError
from lambdalite.aws.http import HttpResponse
from lambdalite.aws.members import members
from lambdalite.aws.parser import query_member_key
from lambdalite.aws.specs import ServiceSpec
from lambdalite.aws.values import encode_blob, format_float, format_timestamp

JSON = "application/json"


def serialize_response(
    protocol: str,
    spec: ServiceSpec,
    operation: OperationModel,
    output: dict[str, Any],
    request_id: str,
) -> HttpResponse:
    """The HTTP response AWS would send for ``output`` of ``operation``."""
    if operation.has_event_stream_output:
        raise EventStreamNotImplemented()
    if protocol == "query":
        return _query_response(spec, operation, output, request_id)
    if protocol == "json":
        body = _json_document(operation.output_shape, output)
        return _response(200, _json_content_type(spec), request_id, body)
    return _rest_json_response(operation, output, request_id)


def _response(status: int, content_type: str, request_id: str, body: bytes) -> HttpResponse:
    return HttpResponse(
        status, [("Content-Type", content_type), ("x-amzn-RequestId", request_id)], body
    )


def _json_content_type(spec: ServiceSpec) -> str:
    return f"application/x-amz-json-{spec.model.metadata.get('jsonVersion', '1.0')}"


def _json_document(shape: StructureShape | None, output: dict[str, Any]) -> bytes:
    document = _to_json(shape, output) if shape is not None else {}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


# --- json values -------------------------------------------------------------------------------


def _to_json(shape: Shape, value: Any) -> Any:
    return _JSON_WRITERS.get(shape.type_name, _json_scalar)(shape, value)


def _json_structure(shape: Shape, value: Any) -> Any:
    if getattr(shape, "is_document_type", False):
        return value
    result: dict[str, Any] = {}
    for name, wire_name, member, type_name, _ in members(shape):
        item = value.get(name)
        if item is not None:
            plain = type_name in _AS_IS
            result[wire_name] = item if plain else _to_json(member, item)
    return result


def _json_list(shape: Shape, value: Any) -> list[Any]:
    return [None if item is None else _to_json(shape.member, item) for item in value]


def _json_map(shape: Shape, value: Any) -> dict[str, Any]:
    return {k: None if v is None else _to_json(shape.value, v) for k, v in value.items()}


#: Types whose values are their JSON as they are (see _json_scalar).
_AS_IS = frozenset({"string", "integer", "long", "boolean"})


def _json_scalar(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "timestamp":
        return format_timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))
    if kind == "blob":
        return encode_blob(value)
    if kind in ("float", "double"):
        return format_float(float(value))
    return value


_JSON_WRITERS: dict[str, Callable[[Shape, Any], Any]] = {
    "structure": _json_structure,
    "list": _json_list,
    "map": _json_map,
}


# --- rest-json ---------------------------------------------------------------------------------


def _rest_json_response(
    operation: OperationModel, output: dict[str, Any], request_id: str
) -> HttpResponse:
    status: int = operation.http.get("responseCode", 200)
    shape = operation.output_shape
    response = _response(status, JSON, request_id, b"")
    if shape is None:
        response.body = b"" if status == 204 else b"{}"
        return response
    body: dict[str, Any] = {}
    for name, _, member, _, location in members(shape):
        value = output.get(name)
        if value is None:
            continue
        if location is None:
            body[name] = value
        else:
            response.status = _write_located(response, location, name, member, value)
    payload = shape.serialization.get("payload")
    if payload is not None:
        _write_payload(response, shape.members[payload], output.get(payload))
    elif any(member.location is None for member in members(shape)):
        response.body = _json_document(shape, body)
    return response


def _write_located(
    response: HttpResponse, location: str, name: str, member: Shape, value: Any
) -> int:
    """Write a header/headers/statusCode member; returns the (possibly new) status."""
    if location == "statusCode":
        return int(value)
    if location == "header":
        header = member.serialization.get("name", name)
        if header.lower() == "content-type":  # the output names its own content type
            response.headers = [h for h in response.headers if h[0].lower() != "content-type"]
        response.headers.append((header, _header_text(member, value)))
    elif location == "headers":
        prefix = member.serialization.get("name", "")
        response.headers.extend((prefix + key, str(item)) for key, item in value.items())
    return response.status


def _header_text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "list":
        return ",".join(_quote_header_item(_header_text(shape.member, item)) for item in value)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return encode_blob(json.dumps(value, separators=(",", ":")))
    if kind == "timestamp":
        return str(format_timestamp(value, shape.serialization.get("timestampFormat", "rfc822")))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        return encode_blob(value)
    return str(value)


def _quote_header_item(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _write_payload(response: HttpResponse, member: Shape, value: Any) -> None:
    if member.type_name in ("blob", "string"):
        if value is not None:
            response.body = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return
    response.body = b"{}" if value is None else _json_document(member, value)


class EventStreamNotImplemented(ServiceError):
    """Event-stream responses (InvokeWithResponseStream, StartLiveTail) need their own encoder."""

    code = "NotImplemented"
    status = 501
    sender_fault = False

    def __init__(self) -> None:
        super().__init__("Event-stream responses are not implemented by lambdalite yet.")


# --- query (XML) -------------------------------------------------------------------------------


def _query_response(
    spec: ServiceSpec, operation: OperationModel, output: dict[str, Any], request_id: str
) -> HttpResponse:
    name = operation.name
    shape = operation.output_shape
    inner = ""
    if shape is not None:
        members = _xml_members(shape, output)
        wrapper = shape.serialization.get("resultWrapper")
        inner = f"<{wrapper}>{members}</{wrapper}>" if wrapper else members
    xml = (
        f'<{name}Response xmlns="{spec.xml_namespace}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    )
    return _response(200, "text/xml", request_id, xml.encode("utf-8"))


def _xml_members(shape: StructureShape, value: dict[str, Any]) -> str:
    parts = []
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            parts.append(_xml(member, item, query_member_key(member, name)))
    return "".join(parts)


def _xml(shape: Shape, value: Any, tag: str) -> str:
    if isinstance(shape, StructureShape):
        return f"<{tag}>{_xml_members(shape, value)}</{tag}>"
    if isinstance(shape, ListShape):
        return _xml_list(shape, value, tag)
    if isinstance(shape, MapShape):
        return _xml_map(shape, value, tag)
    return f"<{tag}>{_xml_text(shape, value)}</{tag}>"


def _xml_list(shape: ListShape, value: list[Any], tag: str) -> str:
    if shape.serialization.get("flattened"):
        return "".join(_xml(shape.member, item, tag) for item in value)
    item_tag = shape.member.serialization.get("name", "member")
    return f"<{tag}>{''.join(_xml(shape.member, item, item_tag) for item in value)}</{tag}>"


def _xml_map(shape: MapShape, value: dict[str, Any], tag: str) -> str:
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    entries = [
        _xml(shape.key, key, key_tag) + _xml(shape.value, item, value_tag)
        for key, item in value.items()
    ]
    if shape.serialization.get("flattened"):
        return "".join(f"<{tag}>{entry}</{tag}>" for entry in entries)
    return f"<{tag}>{''.join(f'<entry>{entry}</entry>' for entry in entries)}</{tag}>"


_XML_SPECIAL = re.compile(r'[&<>"\r]')
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#xD;"}


def _escape(text: str) -> str:
    """XML character data; ``\r`` as a reference, since a parser turns a raw one into ``\n``."""
    if _XML_SPECIAL.search(text) is None:
        return text
    return _XML_SPECIAL.sub(lambda found: _XML_ESCAPES[found.group()], text)


def _xml_text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, shape.serialization.get("timestampFormat", "iso8601")))
    if kind == "blob":
        return encode_blob(value)
    if kind in ("float", "double"):
        return str(format_float(float(value)))
    return _escape(str(value))


# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ErrorParts:
    """An error as the protocol puts it on the wire."""

    code: str
    message: str
    sender: bool
    fields: dict[str, Any]


def serialize_error(
    protocol: str, spec: ServiceSpec | None, error: ServiceError, request_id: str
) -> HttpResponse:
    """The HTTP response AWS sends for ``error`` in ``protocol``."""
    shape = spec.error_shapes.get(error.code) if spec is not None else None
    modeled: dict[str, Any] = shape.metadata.get("error", {}) if shape is not None else {}
    status = error.status or modeled.get("httpStatusCode") or 400
    sender = error.sender_fault
    if sender is None:
        sender = modeled.get("senderFault", status < 500)
    # Query clients know an error by its legacy wire code (``NotFound``,
    # ``AWS.SimpleQueueService.NonExistentQueue``); JSON clients of a query-compatible service
    # find that code in the ``x-amzn-query-error`` header.
    legacy_code = modeled.get("code") or error.query_code
    message = error.message_for(protocol)
    if protocol == "query":
        parts = _ErrorParts(legacy_code or error.code, message, sender, error.fields)
        response = _query_error(spec, parts, request_id)
    else:
        parts = _ErrorParts(error.code_for(protocol), message, sender, error.fields)
        response = _json_error(protocol, spec, shape, parts, request_id)
        if spec is not None and spec.query_compatible and legacy_code:
            fault = "Sender" if sender else "Receiver"
            response.headers.append(("x-amzn-query-error", f"{legacy_code};{fault}"))
    response.status = status
    response.headers.extend(error.headers.items())
    return response


def _json_error(
    protocol: str,
    spec: ServiceSpec | None,
    shape: StructureShape | None,
    parts: _ErrorParts,
    request_id: str,
) -> HttpResponse:
    members = shape.members if shape is not None else {}
    document: dict[str, Any] = {}
    if protocol == "json":
        document["__type"] = parts.code
    if "Type" in members:
        document["Type"] = "User" if parts.sender else "Service"
    document["Message" if "Message" in members else "message"] = parts.message
    # A field set to None is one this error leaves out (AWS omits Type on a few of them).
    document.update(parts.fields)
    document = {key: value for key, value in document.items() if value is not None}
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    content_type = _json_content_type(spec) if protocol == "json" and spec is not None else JSON
    response = _response(400, content_type, request_id, body)
    if protocol != "json":
        response.headers.append(("x-amzn-ErrorType", parts.code))
    return response


def _query_error(spec: ServiceSpec | None, parts: _ErrorParts, request_id: str) -> HttpResponse:
    namespace = spec.xml_namespace if spec is not None else ""
    fault = "Sender" if parts.sender else "Receiver"
    extra = "".join(f"<{k}>{_escape(str(v))}</{k}>" for k, v in parts.fields.items())
    xml = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type>'
        f"<Code>{_escape(parts.code)}</Code>"
        f"<Message>{_escape(parts.message)}</Message>{extra}"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return _response(400, "text/xml", request_id, xml.encode("utf-8"))
