"""Checking a message to send and turning it into what the store keeps."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from lambdalite.ids import new_uuid
from lambdalite.services.sqs.digests import attributes_md5
from lambdalite.services.sqs.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
)
from lambdalite.services.sqs.messages import NewMessage
from lambdalite.services.sqs.queues import Queue

MAX_ATTRIBUTES = 10
_MAX_NAME_BYTES = 256
_MAX_DELAY = 900
# XML 1.0's characters: what SQS accepts in a body and in attribute strings.
_INVALID_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TYPE = re.compile(r"(String|Number|Binary)(\..+)?")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_SYSTEM_ATTRIBUTES = ("AWSTraceHeader",)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def new_message(queue: Queue, entry: Mapping[str, Any], sender: str, now: int) -> NewMessage:
    """The message ``entry`` (a SendMessage request or batch entry) asks to send."""
    body = entry["MessageBody"]
    user = dict(entry.get("MessageAttributes") or {})
    system = dict(entry.get("MessageSystemAttributes") or {})
    _check_body(body)
    _check_user_attributes(user)
    _check_system_attributes(system)
    _check_size(queue, body, user)
    delay = _delay(queue, entry)
    group, dedup_key, dedup_id = _fifo_fields(queue, entry, body)
    attributes = _stored(user, system, sender, now)
    if dedup_id is not None:
        attributes["MessageDeduplicationId"] = dedup_id
    if group is not None:
        attributes["MessageGroupId"] = group
    return NewMessage(new_uuid(), body, attributes, delay * 1000, group, dedup_key)


def _check_body(body: str) -> None:
    if not body:
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if _INVALID_CHARACTER.search(body):
        raise InvalidMessageContents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
            "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )


def _check_user_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_ATTRIBUTES}]."
        )
    for name, value in attributes.items():
        _check_attribute_name(name)
        _check_attribute_value(name, value, "user")


def _check_attribute_name(name: str) -> None:
    if not name:
        raise InvalidParameterValue(
            "The request must contain non-empty message (user) attribute names."
        )
    if name.lower().startswith(("aws.", "amazon.")):
        raise InvalidParameterValue(
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon'. These "
            "strings are reserved for internal use."
        )
    if len(name.encode()) >= _MAX_NAME_BYTES:
        raise InvalidParameterValue("Message (user) attribute name must be shorter than 256 bytes.")
    invalid = (
        not _ATTRIBUTE_NAME.fullmatch(name)
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    )
    if invalid:
        raise InvalidParameterValue(
            f"Message (user) attribute name '{name}' is invalid. Names can contain alphanumeric "
            "characters, hyphens (-), underscores (_), and periods (.), must not start or end "
            "with a period, must not contain successive periods, and must not start with 'AWS.' "
            "or 'Amazon.'."
        )


def _check_attribute_value(name: str, value: Mapping[str, Any], kind: str) -> None:
    if value.get("StringListValues") or value.get("BinaryListValues"):
        raise InvalidParameterValue(
            "Message attribute list values in SendMessage operation are not supported."
        )
    data_type = value.get("DataType", "")
    if not _TYPE.fullmatch(data_type):
        raise InvalidParameterValue(
            f"The type of message ({kind}) attribute '{name}' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String."
        )
    base = data_type.split(".", 1)[0]
    field = "BinaryValue" if base == "Binary" else "StringValue"
    if not value.get(field):
        raise InvalidParameterValue(
            f"Message ({kind}) attribute '{name}' must contain a non-empty value of type '{base}'."
        )
    if base == "Number" and not _NUMBER.fullmatch(value[field]):
        raise InvalidParameterValue(
            f"Can't cast the value of message ({kind}) attribute '{name}' to a number."
        )
    if base != "Binary" and _INVALID_CHARACTER.search(value[field]):
        raise InvalidParameterValue(
            f"Message ({kind}) attribute '{name}' contains invalid characters."
        )


def _check_system_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> None:
    for name, value in attributes.items():
        if name not in _SYSTEM_ATTRIBUTES:
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        _check_attribute_value(name, value, "system")


def _check_size(queue: Queue, body: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
    limit = queue.number("MaximumMessageSize")
    if message_size(body, attributes) > limit:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than {limit} "
            "bytes."
        )


def message_size(body: str, attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """What counts against MaximumMessageSize: the body and every attribute's name, type and
    value, in bytes."""
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["DataType"].encode())
        raw = value.get("BinaryValue")
        size += len(raw) if raw is not None else len(value.get("StringValue", "").encode())
    return size


def _delay(queue: Queue, entry: Mapping[str, Any]) -> int:
    delay = entry.get("DelaySeconds")
    if delay is None:
        return queue.number("DelaySeconds")
    if queue.fifo and delay != 0:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include "
            "parameter that is not valid for this queue type."
        )
    if not 0 <= delay <= _MAX_DELAY:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be "
            f">= 0 and <= {_MAX_DELAY}."
        )
    return int(delay)


def _fifo_fields(
    queue: Queue, entry: Mapping[str, Any], body: str
) -> tuple[str | None, str | None, str | None]:
    """(group id, deduplication key, deduplication id) of a message."""
    group = entry.get("MessageGroupId")
    dedup_id = entry.get("MessageDeduplicationId")
    if not queue.fifo:
        if dedup_id is not None:
            raise InvalidParameterValue(
                f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: The "
                "request includes a parameter that is not valid for this queue type."
            )
        return group, None, None
    if not group:
        raise MissingParameter("The request must contain the parameter MessageGroupId.")
    if dedup_id is None:
        if not queue.flag("ContentBasedDeduplication"):
            raise InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
    per_group = queue.attributes.get("DeduplicationScope") == "messageGroup"
    return group, f"{group}\x00{dedup_id}" if per_group else dedup_id, dedup_id


def _stored(
    user: Mapping[str, Mapping[str, Any]],
    system: Mapping[str, Mapping[str, Any]],
    sender: str,
    now: int,
) -> dict[str, Any]:
    stored: dict[str, Any] = {"SenderId": sender, "SentTimestamp": now}
    if user:
        stored["MessageAttributes"] = {name: _storable(v) for name, v in user.items()}
        stored["MD5OfMessageAttributes"] = attributes_md5(user)
    if system:
        stored["AWSTraceHeader"] = system["AWSTraceHeader"]["StringValue"]
        stored["MD5OfMessageSystemAttributes"] = attributes_md5(system)
    return stored


def _storable(value: Mapping[str, Any]) -> dict[str, str]:
    """An attribute value as JSON can hold it (binary values in base64)."""
    kept = {"DataType": value["DataType"]}
    if "BinaryValue" in value:
        kept["BinaryValue"] = base64.b64encode(bytes(value["BinaryValue"])).decode()
    else:
        kept["StringValue"] = value["StringValue"]
    return kept


def loaded(value: Mapping[str, str]) -> dict[str, Any]:
    """A stored attribute value as the API answers it."""
    if "BinaryValue" in value:
        return {
            "DataType": value["DataType"],
            "BinaryValue": base64.b64decode(value["BinaryValue"]),
        }
    return dict(value)
