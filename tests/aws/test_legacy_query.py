"""SQS's legacy query protocol: the wire names of lambdalite's query view of the JSON model.

Two kinds of check:

* against AWS's SQS API reference (the query examples on each action's page, "Making query API
  requests"): botocore's own query serializer, configured by the view, writes the documented
  form keys; lambdalite's parser reads them; its serializer writes the documented XML. These
  need nothing but lambdalite.
* against botocore's old query model of SQS, when a copy is on this machine (see
  ``tests/aws/legacy.py``; skipped otherwise): every trait of every member of every operation,
  and round trips between botocore configured with that model and lambdalite.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from hypothesis import given
from hypothesis import strategies as st

from lambdalite.aws.http import HttpRequest
from lambdalite.aws.parser import parse_request
from lambdalite.aws.serializer import serialize_response
from lambdalite.aws.specs import FORM_CONTENT_TYPE
from tests.aws.legacy import legacy_sqs_model
from tests.aws.strategies import input_params, output_params
from tests.aws.test_roundtrip import CATALOG, EXAMPLES, botocore_parse, normalize
from tests.support.botocore_http import botocore_request, to_http_request

SQS = CATALOG["sqs"]
NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
URL = "https://sqs.us-east-1.amazonaws.com/123456789012/MyQueue"
OPERATIONS = SQS.model.operation_names


def _operation(name: str) -> OperationModel:
    operation = SQS.operation(name, "query")
    assert operation is not None
    return operation


# --- the documented wire names -----------------------------------------------------------------

_ATTRIBUTE = {"DataType": "String", "StringValue": "my_attribute_value_1"}
_BINARY = {"DataType": "Binary", "BinaryValue": b"\x00\x01"}

REQUESTS = [
    pytest.param(
        "CreateQueue",
        {
            "QueueName": "MyQueue",
            "Attributes": {"VisibilityTimeout": "40"},
            "tags": {"QueueType": "Production"},
        },
        {
            "QueueName": "MyQueue",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "40",
            "Tag.1.Key": "QueueType",
            "Tag.1.Value": "Production",
        },
        id="CreateQueue",
    ),
    pytest.param(
        "SetQueueAttributes",
        {"QueueUrl": URL, "Attributes": {"DelaySeconds": "45"}},
        {"QueueUrl": URL, "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "45"},
        id="SetQueueAttributes",
    ),
    pytest.param(
        "GetQueueAttributes",
        {"QueueUrl": URL, "AttributeNames": ["All"]},
        {"QueueUrl": URL, "AttributeName.1": "All"},
        id="GetQueueAttributes",
    ),
    pytest.param(
        "SendMessage",
        {
            "QueueUrl": URL,
            "MessageBody": "This is my message text.",
            "DelaySeconds": 45,
            "MessageAttributes": {
                "my_attribute_name_1": _ATTRIBUTE,
                "my_attribute_name_2": _BINARY,
            },
            "MessageSystemAttributes": {
                "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988"}
            },
        },
        {
            "QueueUrl": URL,
            "MessageBody": "This is my message text.",
            "DelaySeconds": "45",
            "MessageAttribute.1.Name": "my_attribute_name_1",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "my_attribute_value_1",
            "MessageAttribute.2.Name": "my_attribute_name_2",
            "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryValue": "AAE=",
            "MessageSystemAttribute.1.Name": "AWSTraceHeader",
            "MessageSystemAttribute.1.Value.DataType": "String",
            "MessageSystemAttribute.1.Value.StringValue": "Root=1-5759e988",
        },
        id="SendMessage",
    ),
    pytest.param(
        "SendMessage",
        {
            "QueueUrl": URL,
            "MessageBody": "lists",
            "MessageAttributes": {
                "a": {"DataType": "String", "StringListValues": ["x", "y"]},
                "b": {"DataType": "Binary", "BinaryListValues": [b"\x01"]},
            },
        },
        {
            "QueueUrl": URL,
            "MessageBody": "lists",
            "MessageAttribute.1.Name": "a",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringListValue.1": "x",
            "MessageAttribute.1.Value.StringListValue.2": "y",
            "MessageAttribute.2.Name": "b",
            "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryListValue.1": "AQ==",
        },
        id="SendMessage-list-values",
    ),
    pytest.param(
        "ReceiveMessage",
        {
            "QueueUrl": URL,
            "AttributeNames": ["All"],
            "MessageSystemAttributeNames": ["SentTimestamp"],
            "MessageAttributeNames": ["All"],
            "MaxNumberOfMessages": 5,
            "VisibilityTimeout": 15,
            "WaitTimeSeconds": 20,
        },
        {
            "QueueUrl": URL,
            "AttributeName.1": "All",
            # Added after the switch to json: named by the rules (as kombu sends it).
            "MessageSystemAttributeName.1": "SentTimestamp",
            "MessageAttributeName.1": "All",
            "MaxNumberOfMessages": "5",
            "VisibilityTimeout": "15",
            "WaitTimeSeconds": "20",
        },
        id="ReceiveMessage",
    ),
    pytest.param(
        "SendMessageBatch",
        {
            "QueueUrl": URL,
            "Entries": [
                {"Id": "test_msg_001", "MessageBody": "test message body 1"},
                {
                    "Id": "test_msg_002",
                    "MessageBody": "test message body 2",
                    "DelaySeconds": 60,
                    "MessageAttributes": {"test_attribute_name_1": _ATTRIBUTE},
                },
            ],
        },
        {
            "QueueUrl": URL,
            "SendMessageBatchRequestEntry.1.Id": "test_msg_001",
            "SendMessageBatchRequestEntry.1.MessageBody": "test message body 1",
            "SendMessageBatchRequestEntry.2.Id": "test_msg_002",
            "SendMessageBatchRequestEntry.2.MessageBody": "test message body 2",
            "SendMessageBatchRequestEntry.2.DelaySeconds": "60",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Name": "test_attribute_name_1",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType": "String",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue": (
                "my_attribute_value_1"
            ),
        },
        id="SendMessageBatch",
    ),
    pytest.param(
        "DeleteMessageBatch",
        {"QueueUrl": URL, "Entries": [{"Id": "msg1", "ReceiptHandle": "gfk0T0R0waama4fVFffkjPQ"}]},
        {
            "QueueUrl": URL,
            "DeleteMessageBatchRequestEntry.1.Id": "msg1",
            "DeleteMessageBatchRequestEntry.1.ReceiptHandle": "gfk0T0R0waama4fVFffkjPQ",
        },
        id="DeleteMessageBatch",
    ),
    pytest.param(
        "ChangeMessageVisibilityBatch",
        {
            "QueueUrl": URL,
            "Entries": [
                {"Id": "change_visibility_msg_2", "ReceiptHandle": "r", "VisibilityTimeout": 45}
            ],
        },
        {
            "QueueUrl": URL,
            "ChangeMessageVisibilityBatchRequestEntry.1.Id": "change_visibility_msg_2",
            "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle": "r",
            "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": "45",
        },
        id="ChangeMessageVisibilityBatch",
    ),
    pytest.param(
        "AddPermission",
        {
            "QueueUrl": URL,
            "Label": "MyLabel",
            "AWSAccountIds": ["177715257436", "111111111111"],
            "Actions": ["SendMessage", "ReceiveMessage"],
        },
        {
            "QueueUrl": URL,
            "Label": "MyLabel",
            "AWSAccountId.1": "177715257436",
            "AWSAccountId.2": "111111111111",
            "ActionName.1": "SendMessage",
            "ActionName.2": "ReceiveMessage",
        },
        id="AddPermission",
    ),
    pytest.param(
        "TagQueue",
        {"QueueUrl": URL, "Tags": {"QueueType": "Production", "Owner": "Developer123"}},
        {
            "QueueUrl": URL,
            "Tag.1.Key": "QueueType",
            "Tag.1.Value": "Production",
            "Tag.2.Key": "Owner",
            "Tag.2.Value": "Developer123",
        },
        id="TagQueue",
    ),
    pytest.param(
        "UntagQueue",
        {"QueueUrl": URL, "TagKeys": ["QueueType", "Owner"]},
        {"QueueUrl": URL, "TagKey.1": "QueueType", "TagKey.2": "Owner"},
        id="UntagQueue",
    ),
]


@pytest.mark.parametrize(("name", "params", "form"), REQUESTS)
def test_botocore_configured_by_the_view_writes_the_documented_form(
    name: str, params: dict[str, Any], form: dict[str, str]
) -> None:
    request = to_http_request(botocore_request("query", _operation(name), params))
    assert request.form == {"Action": name, "Version": "2012-11-05", **form}


@pytest.mark.parametrize(("name", "params", "form"), REQUESTS)
def test_the_documented_form_is_read(
    name: str, params: dict[str, Any], form: dict[str, str]
) -> None:
    body = urlencode({"Action": name, "Version": "2012-11-05", **form}).encode()
    request = HttpRequest("POST", "/", "", {"content-type": FORM_CONTENT_TYPE}, body)
    resolved = CATALOG.resolve(request, "sqs")
    assert (resolved.protocol, resolved.operation.name) == ("query", name)
    assert parse_request("query", resolved.operation, request, {}) == params


_MESSAGE = {
    "MessageId": "5fea7756-0ea4-451a-a703-a558b933e274",
    "ReceiptHandle": "MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw",
    "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
    "Body": "This is a test message",
    "Attributes": {"SenderId": "195004372649", "ApproximateReceiveCount": "5"},
    "MD5OfMessageAttributes": "fdb6e2d3ea8ac5b5d1e4bf1e3dd1a2ed",
    "MessageAttributes": {
        "MyAttribute": {"DataType": "String", "StringValue": "a", "StringListValues": ["x"]}
    },
}
_MESSAGE_XML = (
    "<Message>"
    "<MessageId>5fea7756-0ea4-451a-a703-a558b933e274</MessageId>"
    "<ReceiptHandle>MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw"
    "</ReceiptHandle>"
    "<MD5OfBody>fafb00f5732ab283681e124bf8747ed1</MD5OfBody>"
    "<Body>This is a test message</Body>"
    "<Attribute><Name>SenderId</Name><Value>195004372649</Value></Attribute>"
    "<Attribute><Name>ApproximateReceiveCount</Name><Value>5</Value></Attribute>"
    "<MD5OfMessageAttributes>fdb6e2d3ea8ac5b5d1e4bf1e3dd1a2ed</MD5OfMessageAttributes>"
    "<MessageAttribute><Name>MyAttribute</Name><Value>"
    "<StringValue>a</StringValue><StringListValue>x</StringListValue><DataType>String</DataType>"
    "</Value></MessageAttribute>"
    "</Message>"
)
_FAILED = {"Id": "e", "SenderFault": True, "Code": "InvalidParameterValue", "Message": "m"}
_FAILED_XML = (
    "<BatchResultErrorEntry><Id>e</Id><SenderFault>true</SenderFault>"
    "<Code>InvalidParameterValue</Code><Message>m</Message></BatchResultErrorEntry>"
)

RESPONSES = [
    pytest.param(
        "CreateQueue",
        {"QueueUrl": URL},
        f"<CreateQueueResult><QueueUrl>{URL}</QueueUrl></CreateQueueResult>",
        id="CreateQueue",
    ),
    pytest.param(
        "ReceiveMessage",
        {"Messages": [_MESSAGE]},
        f"<ReceiveMessageResult>{_MESSAGE_XML}</ReceiveMessageResult>",
        id="ReceiveMessage",
    ),
    pytest.param(
        "SendMessageBatch",
        {
            "Successful": [{"Id": "a", "MessageId": "m-1", "MD5OfMessageBody": "d"}],
            "Failed": [_FAILED],
        },
        "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id>"
        "<MessageId>m-1</MessageId><MD5OfMessageBody>d</MD5OfMessageBody>"
        f"</SendMessageBatchResultEntry>{_FAILED_XML}</SendMessageBatchResult>",
        id="SendMessageBatch",
    ),
    pytest.param(
        "DeleteMessageBatch",
        {"Successful": [{"Id": "a"}], "Failed": []},
        "<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id>"
        "</DeleteMessageBatchResultEntry></DeleteMessageBatchResult>",
        id="DeleteMessageBatch",
    ),
    pytest.param(
        "ChangeMessageVisibilityBatch",
        {"Successful": [{"Id": "a"}], "Failed": []},
        "<ChangeMessageVisibilityBatchResult><ChangeMessageVisibilityBatchResultEntry><Id>a</Id>"
        "</ChangeMessageVisibilityBatchResultEntry></ChangeMessageVisibilityBatchResult>",
        id="ChangeMessageVisibilityBatch",
    ),
    pytest.param(
        "GetQueueAttributes",
        {"Attributes": {"VisibilityTimeout": "30", "DelaySeconds": "0"}},
        "<GetQueueAttributesResult>"
        "<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>"
        "<Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute>"
        "</GetQueueAttributesResult>",
        id="GetQueueAttributes",
    ),
    pytest.param(
        "ListQueues",
        {"QueueUrls": [URL, URL + "2"], "NextToken": "t"},
        f"<ListQueuesResult><QueueUrl>{URL}</QueueUrl><QueueUrl>{URL}2</QueueUrl>"
        "<NextToken>t</NextToken></ListQueuesResult>",
        id="ListQueues",
    ),
    pytest.param(
        "ListDeadLetterSourceQueues",
        {"queueUrls": [URL]},
        "<ListDeadLetterSourceQueuesResult>"
        f"<QueueUrl>{URL}</QueueUrl></ListDeadLetterSourceQueuesResult>",
        id="ListDeadLetterSourceQueues",
    ),
    pytest.param(
        "ListQueueTags",
        {"Tags": {"QueueType": "Production"}},
        "<ListQueueTagsResult><Tag><Key>QueueType</Key><Value>Production</Value></Tag>"
        "</ListQueueTagsResult>",
        id="ListQueueTags",
    ),
    pytest.param(
        "ListMessageMoveTasks",
        {"Results": [{"TaskHandle": "h", "Status": "RUNNING"}]},
        "<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><TaskHandle>h</TaskHandle>"
        "<Status>RUNNING</Status></ListMessageMoveTasksResultEntry></ListMessageMoveTasksResult>",
        id="ListMessageMoveTasks",
    ),
    pytest.param(
        "SendMessage",
        {"MD5OfMessageBody": "d", "MessageId": "m-1"},
        "<SendMessageResult><MD5OfMessageBody>d</MD5OfMessageBody>"
        "<MessageId>m-1</MessageId></SendMessageResult>",
        id="SendMessage",
    ),
    pytest.param("DeleteQueue", {}, "", id="DeleteQueue"),
]


@pytest.mark.parametrize(("name", "output", "xml"), RESPONSES)
def test_responses_carry_the_documented_elements(
    name: str, output: dict[str, Any], xml: str
) -> None:
    response = serialize_response("query", SQS, _operation(name), output, "request-1")
    assert response.body.decode() == (
        f'<{name}Response xmlns="{NAMESPACE}">{xml}'
        "<ResponseMetadata><RequestId>request-1</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    )


def test_the_json_model_keeps_its_own_names() -> None:
    """The view is a copy: JSON requests and responses still use the JSON model, unchanged."""
    operation = SQS.operation("SendMessage")
    assert operation is not None and operation.output_shape is not None
    assert "resultWrapper" not in operation.output_shape.serialization
    assert "name" not in operation.input_shape.members["MessageAttributes"].serialization
    assert SQS.protocols == ("json", "query")


# --- against botocore's old query model of SQS -------------------------------------------------


@pytest.fixture(scope="module")
def legacy() -> ServiceModel:
    return legacy_sqs_model()


def test_every_legacy_operation_is_served(legacy: ServiceModel) -> None:
    assert set(legacy.operation_names) <= set(OPERATIONS)


def _legacy_operation(legacy: ServiceModel, name: str) -> OperationModel:
    if name not in legacy.operation_names:
        pytest.skip(f"{name} is newer than this copy of the legacy model")
    return legacy.operation_model(name)


@pytest.mark.parametrize("name", OPERATIONS)
def test_the_view_has_the_legacy_models_traits(legacy: ServiceModel, name: str) -> None:
    """Every member the old model has, at any depth, is there with the same query traits
    (``locationName``, ``flattened``, ``resultWrapper``, as botocore resolves them)."""
    theirs_operation = _legacy_operation(legacy, name)
    ours_operation = _operation(name)
    for side in ("input_shape", "output_shape"):
        theirs = _traits(getattr(theirs_operation, side), f"{name}.{side}")
        ours = _traits(getattr(ours_operation, side), f"{name}.{side}")
        assert theirs.keys() <= ours.keys(), "members the legacy model has and the view lacks"
        assert {path: ours[path] for path in theirs} == theirs


def _traits(shape: Shape | None, path: str, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``{path: serialization}`` of ``shape`` and everything in it (``Op.input_shape.A[].B``)."""
    if shape is None:
        return {}
    found: dict[str, Any] = {path: dict(shape.serialization)}
    if shape.name in seen:  # a recursive shape: its traits are already in
        return found
    seen = seen | {shape.name}
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            found.update(_traits(member, f"{path}.{name}", seen))
    elif isinstance(shape, ListShape):
        found.update(_traits(shape.member, f"{path}[]", seen))
    elif isinstance(shape, MapShape):
        found.update(_traits(shape.key, f"{path}{{key}}", seen))
        found.update(_traits(shape.value, f"{path}{{value}}", seen))
    return found


@pytest.mark.parametrize("name", OPERATIONS)
@EXAMPLES
@given(data=st.data())
def test_requests_of_botocore_with_the_legacy_model_are_read(
    legacy: ServiceModel, name: str, data: st.DataObject
) -> None:
    operation = _legacy_operation(legacy, name)
    params = data.draw(input_params(operation, "query"))
    request = to_http_request(botocore_request("query", operation, params))

    resolved = CATALOG.resolve(request, "sqs")
    assert (resolved.protocol, resolved.operation.name) == ("query", name)
    parsed = parse_request("query", resolved.operation, request, resolved.uri_params)
    assert normalize(parsed, "query") == normalize(params, "query")


@pytest.mark.parametrize("name", OPERATIONS)
@EXAMPLES
@given(data=st.data())
def test_botocore_with_the_legacy_model_reads_our_responses(
    legacy: ServiceModel, name: str, data: st.DataObject
) -> None:
    operation = _legacy_operation(legacy, name)
    output = data.draw(output_params(operation, "query"))
    response = serialize_response("query", SQS, _operation(name), output, "request-1")

    parsed = botocore_parse("query", operation, response.status, response.headers, response.body)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "request-1"
    expected = normalize(output, "query", response=True)
    assert normalize(parsed, "query", response=True) == expected
