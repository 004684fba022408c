"""Topics: create (standard, FIFO, attributes, tags), idempotency, attributes, delete, list and
tags, with AWS's answers (localstack/localstack tests/aws/services/sns/test_sns.snapshot.json,
TestSNSTopicCrud and TestSNSTopicCrudV2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.support.aws_errors import ACCOUNT, REGION, error
from tests.support.server import LambdaliteServer

DEFAULT_EFFECTIVE = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


def default_policy(arn: str) -> dict[str, Any]:
    return {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
            }
        ],
    }


def parsed(attributes: dict[str, str]) -> dict[str, Any]:
    """Attributes with the JSON ones parsed, as the recordings show them."""
    json_valued = ("Policy", "EffectiveDeliveryPolicy", "DeliveryPolicy")
    return {k: json.loads(v) if k in json_valued else v for k, v in attributes.items()}


def test_standard_topic_attributes(sns: Any, names: Callable[..., str]) -> None:
    name = names()
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
    assert parsed(sns.get_topic_attributes(TopicArn=arn)["Attributes"]) == {
        "DisplayName": "",
        "EffectiveDeliveryPolicy": DEFAULT_EFFECTIVE,
        "Owner": ACCOUNT,
        "Policy": default_policy(arn),
        "SubscriptionsConfirmed": "0",
        "SubscriptionsDeleted": "0",
        "SubscriptionsPending": "0",
        "TopicArn": arn,
    }


def test_fifo_topic_with_attributes(sns: Any, names: Callable[..., str]) -> None:
    arn = sns.create_topic(
        Name=names(fifo=True),
        Attributes={"DisplayName": "TestTopic", "SignatureVersion": "2", "FifoTopic": "true"},
    )["TopicArn"]
    attributes = parsed(sns.get_topic_attributes(TopicArn=arn)["Attributes"])
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    assert attributes["DisplayName"] == "TestTopic"
    assert attributes["SignatureVersion"] == "2"
    # A FIFO topic can never be made standard again.
    assert error(
        lambda: sns.set_topic_attributes(
            TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false"
        )
    ) == ("InvalidParameter", "Invalid parameter: AttributeName", 400)


def test_explicit_fifo_false_is_not_kept(sns: Any, names: Callable[..., str]) -> None:
    arn = sns.create_topic(Name=names(), Attributes={"FifoTopic": "false"})["TopicArn"]
    assert "FifoTopic" not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]


@pytest.mark.parametrize("name", ["", "a" * 257, "bad:name", "bad;name", "sp ace", "pct%"])
def test_invalid_topic_names(sns: Any, name: str) -> None:
    assert error(lambda: sns.create_topic(Name=name)) == (
        "InvalidParameter",
        "Invalid parameter: Topic Name",
        400,
    )


def test_longest_name_is_fine(sns: Any, names: Callable[..., str]) -> None:
    name = (names() + "x" * 256)[:256]
    assert sns.create_topic(Name=name)["TopicArn"].endswith(name)


def test_create_is_idempotent_unless_tags_differ(sns: Any, names: Callable[..., str]) -> None:
    name = names()
    tags = [{"Key": "k1", "Value": "v1"}]
    arn = sns.create_topic(Name=name, Tags=tags, Attributes={"DisplayName": "AlreadySet"})[
        "TopicArn"
    ]
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.create_topic(Name=name, Tags=tags)["TopicArn"] == arn
    other = [{"Key": "k1", "Value": "v2"}]
    assert error(lambda: sns.create_topic(Name=name, Tags=other)) == (
        "InvalidParameter",
        "Invalid parameter: Tags Reason: Topic already exists with different tags",
        400,
    )
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "AlreadySet"


def test_missing_and_malformed_topics(sns: Any) -> None:
    missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:nothing-here"
    assert error(lambda: sns.get_topic_attributes(TopicArn=missing)) == (
        "NotFound",
        "Topic does not exist",
        404,
    )
    assert error(lambda: sns.get_topic_attributes(TopicArn="foo")) == (
        "InvalidParameter",
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
        400,
    )
    elsewhere = f"arn:aws:sns:us-west-2:{ACCOUNT}:a-topic"
    assert error(lambda: sns.get_topic_attributes(TopicArn=elsewhere)) == (
        "InvalidParameter",
        "Invalid parameter: TopicArn",
        400,
    )


def test_delete_is_idempotent_and_takes_subscriptions(
    sns: Any, topic: Callable[..., str], queue: Any
) -> None:
    arn = topic()
    _, queue_arn = queue()
    subscription = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)[
        "SubscriptionArn"
    ]
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)
    assert error(lambda: sns.get_topic_attributes(TopicArn=arn))[0] == "NotFound"
    assert (
        error(lambda: sns.get_subscription_attributes(SubscriptionArn=subscription))[0]
        == "NotFound"
    )


def test_delivery_policy_crud(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    policy = {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 5,
                "maxDelayTarget": 6,
                "numRetries": 1,
            },
            "disableSubscriptionOverrides": False,
            "defaultRequestPolicy": None,
        }
    }
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy)
    )
    attributes = parsed(sns.get_topic_attributes(TopicArn=arn)["Attributes"])
    assert attributes["DeliveryPolicy"] == {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 5,
                "maxDelayTarget": 6,
                "numRetries": 1,
            },
            "disableSubscriptionOverrides": False,
        }
    }
    assert attributes["EffectiveDeliveryPolicy"]["http"]["defaultHealthyRetryPolicy"] == {
        "minDelayTarget": 5,
        "maxDelayTarget": 6,
        "numRetries": 1,
        "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0,
        "numMinDelayRetries": 0,
        "backoffFunction": "linear",
    }
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue="")
    attributes = parsed(sns.get_topic_attributes(TopicArn=arn)["Attributes"])
    assert "DeliveryPolicy" not in attributes
    assert attributes["EffectiveDeliveryPolicy"] == DEFAULT_EFFECTIVE


def test_unknown_attribute(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    assert error(
        lambda: sns.set_topic_attributes(TopicArn=arn, AttributeName="Nope", AttributeValue="x")
    ) == ("InvalidParameter", "Invalid parameter: AttributeName", 400)


def test_list_topics_pages_by_100(server: LambdaliteServer) -> None:
    # A region of its own, so that other tests' topics do not show.
    other = boto3.client(
        "sns",
        endpoint_url=server.endpoint,
        region_name="eu-west-3",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    arns = [other.create_topic(Name=f"paged-{i:03d}")["TopicArn"] for i in range(105)]
    first = other.list_topics()
    assert len(first["Topics"]) == 100
    second = other.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    listed = [t["TopicArn"] for t in first["Topics"] + second["Topics"]]
    assert listed == sorted(arns)


def test_tags(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    sns.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    )
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "k1", "Value": "v1"},
        {"Key": "k2", "Value": "v2"},
    ]
    sns.untag_resource(ResourceArn=arn, TagKeys=["k1"])
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2b"}])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k2", "Value": "v2b"}]
    duplicated = [{"Key": "k1", "Value": "v1"}, {"Key": "k1", "Value": "v2"}]
    assert error(lambda: sns.tag_resource(ResourceArn=arn, Tags=duplicated)) == (
        "InvalidParameter",
        "Invalid parameter: Duplicated keys are not allowed.",
        400,
    )
    missing = arn + "-gone"
    assert error(lambda: sns.list_tags_for_resource(ResourceArn=missing))[0] == "ResourceNotFound"
