"""Published messages: AWS's checks on what Publish is given, and the shapes each kind of
subscriber receives.

Sources (recorded against AWS in localstack/localstack tests/aws/services/sns/*.snapshot.json
unless said otherwise):

* ``test_empty_or_wrong_message_attributes``, ``test_message_attributes_prefixes``: attribute
  checks and their ParameterValueInvalid messages; ``test_publish_with_empty_subject``,
  ``test_empty_sns_message``, ``test_publish_too_long_message``,
  ``test_message_structure_json_exc``: "Invalid parameter: ..." refusals.
* The JSON notification (SQS without raw delivery, HTTP/S): its members and their order
  (``test_publish_sqs_from_sns``, ``test_publish_to_fifo_topic_*``: FIFO messages carry a
  SequenceNumber and no signature); message attributes as {"Type", "Value"}, binary values
  base64. The text layout (``"Key" : value`` lines, two-space indent) is AWS's as shown in
  https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html.
* The Lambda event: reference/AWS-BEHAVIOUR.md §4.5 and aws-recorded case 34 (``SigningCertUrl``
  and ``UnsubscribeUrl`` cased so, ``Subject`` null when none, ``MessageAttributes`` {}).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdalite.services.sns.errors import (
    InvalidParameter,
    ParameterValueInvalid,
    ValidationError,
    invalid,
)

MAX_MESSAGE_BYTES = 262_144
_TYPE = re.compile(r"(String|Number|Binary)(\..+)?")
_NAME_CHARACTER = re.compile(r"[A-Za-z0-9_.-]")
_MAX_NAME_BYTES = 256

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
SNS_PATH = "/_lambdalite/sns/"


@dataclass(frozen=True, slots=True)
class Published:
    """One message published to a topic."""

    message_id: str
    topic_arn: str
    message: str | dict[str, str]  # per protocol with MessageStructure=json
    subject: str | None
    attributes: Mapping[str, Mapping[str, Any]]
    timestamp: str
    signature_version: str = "1"
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None

    @property
    def fifo(self) -> bool:
        return self.sequence_number is not None

    def text_for(self, protocol: str) -> str:
        if isinstance(self.message, dict):
            return self.message.get(protocol, self.message["default"])
        return self.message


# --- checks -----------------------------------------------------------------------------------


def check_message(message: str | None, subject: str | None, structure: str | None) -> Any:
    """The message to publish: text, or with MessageStructure=json one text per protocol."""
    if subject == "":
        raise invalid("Subject")
    if not message:
        raise invalid("Empty message")
    if structure != "json":
        return message
    try:
        parsed = json.loads(message)
    except ValueError:
        raise invalid("Message Structure - JSON message body failed to parse") from None
    # Members whose value is not a string are ignored (recorded: a non-string default is "No
    # default entry").
    texts = (
        {k: v for k, v in parsed.items() if isinstance(v, str)} if isinstance(parsed, dict) else {}
    )
    if "default" not in texts:
        raise invalid("Message Structure - No default entry in JSON message body")
    return texts


def check_attributes(attributes: Mapping[str, Mapping[str, Any]], entry: int | None = None) -> None:
    for name, attribute in attributes.items():
        _check_name(name)
        data_type = attribute.get("DataType")
        if data_type is None:
            at = f"messageAttributes.{name}.member.dataType"
            if entry is not None:
                at = f"publishBatchRequestEntries.{entry}.member.{at}"
            raise ValidationError(
                f"1 validation error detected: Value null at '{at}' failed to satisfy "
                "constraint: Member must not be null"
            )
        _check_value(name, str(data_type), attribute)


def _check_name(name: str) -> None:
    if len(name.encode()) >= _MAX_NAME_BYTES:
        raise ParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
    if name.startswith("."):
        raise ParameterValueInvalid(
            "Invalid message attribute name starting with character '.' was found."
        )
    if name.endswith("."):
        raise ParameterValueInvalid(
            "Invalid message attribute name ending with character '.' was found."
        )
    for index, char in enumerate(name):
        if not _NAME_CHARACTER.fullmatch(char):
            raise ParameterValueInvalid(
                f"Invalid non-alphanumeric character '#x{ord(char):X}' was found in the message "
                "attribute name. Can only include alphanumeric characters, hyphens, underscores, "
                "or dots."
            )
        if char == "." and name[index - 1] == ".":
            raise ParameterValueInvalid(
                "Message attribute name can not have successive '.' character."
            )


def _check_value(name: str, data_type: str, attribute: Mapping[str, Any]) -> None:
    if not _TYPE.fullmatch(data_type):
        raise ParameterValueInvalid(
            f"The message attribute '{name}' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String."
        )
    field_name = "Binary" if data_type.startswith("Binary") else "String"
    has_value = any(attribute.get(key) is not None for key in ("StringValue", "BinaryValue"))
    empty = ParameterValueInvalid(
        f"The message attribute '{name}' must contain non-empty message attribute value for "
        f"message attribute type '{data_type}'."
    )
    if not has_value:
        raise empty
    if attribute.get(f"{field_name}Value") is None:
        raise ParameterValueInvalid(
            f"The message attribute '{name}' with type '{data_type}' must use field '{field_name}'."
        )
    if not attribute[f"{field_name}Value"]:
        raise empty


def size(message: str, attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes a message counts against the limit: its text, and every part of each attribute."""
    total = len(message.encode())
    for name, attribute in attributes.items():
        total += len(name.encode())
        total += sum(len(_bytes(value)) for value in attribute.values() if value is not None)
    return total


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def check_size(message: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
    if size(message, attributes) > MAX_MESSAGE_BYTES:
        raise InvalidParameter("Invalid parameter: Message too long")


def content_deduplication_id(message: str) -> str:
    """The deduplication id of content-based deduplication: the message's SHA-256 (recorded
    as the MessageDeduplicationId SQS shows, ``test_message_to_fifo_sqs[True]``)."""
    return hashlib.sha256(message.encode()).hexdigest()


# --- what subscribers receive -----------------------------------------------------------------


def sns_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Message attributes as SNS's JSON shows them."""
    return {
        name: {"Type": str(a["DataType"]), "Value": _attribute_text(a)}
        for name, a in attributes.items()
    }


def _attribute_text(attribute: Mapping[str, Any]) -> str:
    binary = attribute.get("BinaryValue")
    if binary is not None:
        return base64.b64encode(_bytes(binary)).decode()
    return str(attribute.get("StringValue", ""))


def sqs_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Message attributes as SQS takes them (raw delivery)."""
    converted: dict[str, dict[str, Any]] = {}
    for name, attribute in attributes.items():
        value = {"DataType": attribute["DataType"]}
        if attribute.get("BinaryValue") is not None:
            value["BinaryValue"] = _bytes(attribute["BinaryValue"])
        else:
            value["StringValue"] = attribute.get("StringValue")
        converted[name] = value
    return converted


def sns_json(fields: Mapping[str, Any]) -> str:
    """SNS's JSON text: one ``"Key" : value`` line per member, attributes one per line."""
    lines = []
    for key, value in fields.items():
        if key == "MessageAttributes":
            inner = ",\n".join(
                f"    {_dump(name)} : {json.dumps(item, separators=(',', ':'), ensure_ascii=False)}"
                for name, item in value.items()
            )
            lines.append(f'  "MessageAttributes" : {{\n{inner}\n  }}')
        else:
            lines.append(f"  {_dump(key)} : {_dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def unsubscribe_url(base_url: str, subscription_arn: str) -> str:
    """AWS's ``https://sns.<region>.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=...``: the
    region, which AWS's host names, is a path segment here."""
    region = subscription_arn.split(":")[3]
    return f"{base_url}{SNS_PATH}{region}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"


def subscribe_url(base_url: str, topic_arn: str, token: str) -> str:
    region = topic_arn.split(":")[3]
    return (
        f"{base_url}{SNS_PATH}{region}/?Action=ConfirmSubscription&TopicArn={topic_arn}"
        f"&Token={token}"
    )


def certificate_url(base_url: str, certificate_name: str) -> str:
    return f"{base_url}{SNS_PATH}{certificate_name}"
