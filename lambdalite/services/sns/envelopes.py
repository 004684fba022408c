"""What each kind of subscriber receives for a message: the signed JSON notification (SQS, HTTP/S,
dead-letter queues), the raw message, the Lambda event, and HTTP/S confirmations, as JSON-safe
payloads the outbox can keep.

HTTP/S headers are AWS's as recorded in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json (``test_subscribe_external_http_endpoint*``):
``x-amz-sns-message-type``, ``x-amz-sns-message-id``, ``x-amz-sns-topic-arn``,
``x-amz-sns-subscription-arn`` (not on a SubscriptionConfirmation), ``x-amz-sns-rawdelivery``
for raw deliveries, the User-Agent and Accept-Encoding SNS sends, and the Content-Type of the
delivery policy for notifications (confirmations are always text/plain). Lambda events are
signed with SignatureVersion 1 whatever the topic says
(``test_publish_lambda_verify_signature[2]``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lambdalite.services.sns import messages
from lambdalite.services.sns.messages import Published
from lambdalite.services.sns.signing import Signer
from lambdalite.services.sns.subscriptions import Subscription
from lambdalite.services.sns.topics import DEFAULT_CONTENT_TYPE, Topic

_USER_AGENT = "Amazon Simple Notification Service Agent"
_SUBSCRIBE_TEXT = (
    "You have chosen to subscribe to the topic {topic}.\n"
    "To confirm the subscription, visit the SubscribeURL included in this message."
)
_UNSUBSCRIBE_TEXT = (
    "You have chosen to deactivate subscription {subscription}.\n"
    "To cancel this operation and restore the subscription, visit the SubscribeURL included "
    "in this message."
)


class Envelopes:
    """Builds signed messages with one key."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def certificate_url(self, subscription: Subscription) -> str:
        return messages.certificate_url(subscription.base_url, self.signer.certificate_name)

    def notification(self, message: Published, subscription: Subscription) -> dict[str, Any]:
        """The JSON notification's members, in AWS's order."""
        fields: dict[str, Any] = {"Type": messages.NOTIFICATION, "MessageId": message.message_id}
        if message.sequence_number is not None:
            fields["SequenceNumber"] = message.sequence_number
        fields["TopicArn"] = message.topic_arn
        if message.subject is not None:
            fields["Subject"] = message.subject
        fields["Message"] = message.text_for(subscription.protocol)
        fields["Timestamp"] = message.timestamp
        if not message.fifo:  # FIFO notifications come unsigned (recorded)
            fields["SignatureVersion"] = message.signature_version
            fields["Signature"] = self.signer.sign(fields, message.signature_version)
            fields["SigningCertURL"] = self.certificate_url(subscription)
        fields["UnsubscribeURL"] = messages.unsubscribe_url(subscription.base_url, subscription.arn)
        if message.attributes:
            fields["MessageAttributes"] = messages.sns_attributes(message.attributes)
        return fields

    def lambda_request(self, message: Published, subscription: Subscription) -> dict[str, Any]:
        """The Event invocation that delivers to a function."""
        sns: dict[str, Any] = {
            "Type": messages.NOTIFICATION,
            "MessageId": message.message_id,
            "TopicArn": message.topic_arn,
            "Subject": message.subject,
            "Message": message.text_for("lambda"),
            "Timestamp": message.timestamp,
            "SignatureVersion": "1",
        }
        sns["Signature"] = self.signer.sign(sns, "1")
        sns["SigningCertUrl"] = self.certificate_url(subscription)
        sns["UnsubscribeUrl"] = messages.unsubscribe_url(subscription.base_url, subscription.arn)
        sns["MessageAttributes"] = messages.sns_attributes(message.attributes)
        record = {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription.arn,
            "Sns": sns,
        }
        event = json.dumps({"Records": [record]}, separators=(",", ":"), ensure_ascii=False)
        return {"FunctionName": subscription.endpoint, "InvocationType": "Event", "Payload": event}

    def sqs_message(
        self, message: Published, subscription: Subscription, fifo_queue: bool
    ) -> dict[str, Any]:
        """What an SQS queue gets: the notification, or with raw delivery the message itself
        and its attributes. JSON-safe: binary attribute values base64-encoded."""
        if subscription.raw:
            sent: dict[str, Any] = {
                "body": message.text_for(subscription.protocol),
                "attributes": _json_safe(messages.sqs_attributes(message.attributes)),
            }
        else:
            sent = {
                "body": messages.sns_json(self.notification(message, subscription)),
                "attributes": {},
            }
        if fifo_queue:
            sent["group"] = message.group_id
            sent["dedup"] = message.deduplication_id
        elif message.group_id is not None and not message.fifo:
            sent["group"] = message.group_id  # standard topics pass it on (recorded)
        return sent

    def http_request(
        self, message: Published, subscription: Subscription, topic: Topic
    ) -> dict[str, Any]:
        policy = subscription.effective_policy(topic)
        headers = _headers(messages.NOTIFICATION, message.message_id, message.topic_arn)
        headers["x-amz-sns-subscription-arn"] = subscription.arn
        headers["Content-Type"] = (policy.get("requestPolicy") or {}).get(
            "headerContentType", DEFAULT_CONTENT_TYPE
        )
        if subscription.raw:
            headers["x-amz-sns-rawdelivery"] = "true"
            body = message.text_for(subscription.protocol)
        else:
            body = messages.sns_json(self.notification(message, subscription))
        return {"headers": headers, "body": body}

    def confirmation(
        self,
        kind: str,
        topic: Topic,
        subscription: Subscription,
        *,
        token: str,
        message_id: str,
        timestamp: str,
    ) -> dict[str, Any]:
        """A SubscriptionConfirmation or UnsubscribeConfirmation for an HTTP/S endpoint."""
        template = (
            _SUBSCRIBE_TEXT if kind == messages.SUBSCRIPTION_CONFIRMATION else _UNSUBSCRIBE_TEXT
        )
        topic_arn = topic.where.arn
        fields: dict[str, Any] = {
            "Type": kind,
            "MessageId": message_id,
            "Token": token,
            "TopicArn": topic_arn,
            "Message": template.format(topic=topic_arn, subscription=subscription.arn),
            "SubscribeURL": messages.subscribe_url(subscription.base_url, topic_arn, token),
            "Timestamp": timestamp,
            "SignatureVersion": topic.signature_version,
        }
        fields["Signature"] = self.signer.sign(fields, topic.signature_version)
        fields["SigningCertURL"] = self.certificate_url(subscription)
        headers = _headers(kind, message_id, topic_arn)
        if kind == messages.UNSUBSCRIBE_CONFIRMATION:
            headers["x-amz-sns-subscription-arn"] = subscription.arn
        headers["Content-Type"] = DEFAULT_CONTENT_TYPE
        return {"headers": headers, "body": messages.sns_json(fields)}


def _headers(kind: str, message_id: str, topic_arn: str) -> dict[str, str]:
    return {
        "x-amz-sns-message-type": kind,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
        "User-Agent": _USER_AGENT,
        "Accept-Encoding": "gzip,deflate",
    }


def _json_safe(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    safe = {}
    for name, value in attributes.items():
        item = dict(value)
        if isinstance(item.get("BinaryValue"), bytes):
            item["BinaryValue"] = base64.b64encode(item["BinaryValue"]).decode()
        safe[name] = item
    return safe


def sqs_request(queue_arn: str, sent: dict[str, Any]) -> dict[str, Any]:
    """The SendMessage request for a JSON-safe SQS message (see ``Envelopes.sqs_message``)."""
    _, _, _, _, account, name = queue_arn.split(":", 5)
    request: dict[str, Any] = {"QueueUrl": f"/{account}/{name}", "MessageBody": sent["body"]}
    attributes = {
        attr: {**value, "BinaryValue": base64.b64decode(value["BinaryValue"])}
        if "BinaryValue" in value
        else value
        for attr, value in sent.get("attributes", {}).items()
    }
    if attributes:
        request["MessageAttributes"] = attributes
    if sent.get("group") is not None:
        request["MessageGroupId"] = sent["group"]
    if sent.get("dedup") is not None:
        request["MessageDeduplicationId"] = sent["dedup"]
    return request
