"""TagResource, UntagResource, ListTags through boto3 against a live server.

Expected answers are AWS's, as recorded in localstack's AWS-validated snapshots
(test_lambda_api.snapshot.json, TestLambdaTags::test_tag_exceptions, test_tag_limits,
test_tag_versions, test_tag_lifecycle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws_errors import ACCOUNT, arn, error

REGION = "us-east-1"
QUALIFIED = (
    "InvalidParameterValueException",
    "Tags on function aliases and versions are not supported. Please specify a function ARN.",
    400,
)
TOO_MANY = ("InvalidParameterValueException", "Number of tags exceeds resource tag limit.", 400)


def tags_of(lam: Any, name: str) -> dict[str, str]:
    return lam.list_tags(Resource=arn(name))["Tags"]  # type: ignore[no-any-return]


def revision(lam: Any, name: str) -> str:
    return lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]  # type: ignore[no-any-return]


def test_tag_lifecycle(lam: Any, function: Callable[..., str]) -> None:
    name = function(Tags={"key_a": "value_a"})
    assert tags_of(lam, name) == {"key_a": "value_a"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"key_a": "value_a"}
    revisions = [revision(lam, name)]

    added = lam.tag_resource(Resource=arn(name), Tags={"key_b": "value_b", "key_c": "value_c"})
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(lam, name) == {"key_a": "value_a", "key_b": "value_b", "key_c": "value_c"}
    revisions.append(revision(lam, name))

    lam.tag_resource(Resource=arn(name), Tags={"key_b": "value_b", "key_c": "value_x"})
    assert lam.get_function(FunctionName=name)["Tags"]["key_c"] == "value_x"
    revisions.append(revision(lam, name))

    removed = lam.untag_resource(Resource=arn(name), TagKeys=["key_c", "key_d"])
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(lam, name) == {"key_a": "value_a", "key_b": "value_b"}
    revisions.append(revision(lam, name))

    lam.untag_resource(Resource=arn(name), TagKeys=["key_a", "key_b"])
    assert tags_of(lam, name) == {}
    assert "Tags" not in lam.get_function(FunctionName=name)
    revisions.append(revision(lam, name))
    # Every change of the tags gives the function a new RevisionId, as AWS does.
    assert len(set(revisions)) == len(revisions)

    lam.delete_function(FunctionName=name)
    assert error(lambda: lam.list_tags(Resource=arn(name))) == (
        "ResourceNotFoundException",
        f"Function not found: {arn(name)}",
        404,
    )


def test_tag_limit_counts_the_merged_tags(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    too_many = {f"{k}_key": f"{k}_value" for k in range(51)}
    assert error(lambda: lam.tag_resource(Resource=arn(name), Tags=too_many)) == TOO_MANY
    fifty = {f"{k}_key": f"{k}_value" for k in range(50)}
    lam.tag_resource(Resource=arn(name), Tags=fifty)
    assert tags_of(lam, name) == fifty
    assert error(lambda: lam.tag_resource(Resource=arn(name), Tags={"a_key": "a"})) == TOO_MANY
    # Overwriting an existing key does not add one.
    lam.tag_resource(Resource=arn(name), Tags={"0_key": "new"})
    assert tags_of(lam, name)["0_key"] == "new"


def test_tag_errors(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    assert error(lambda: lam.tag_resource(Resource=arn(name), Tags={})) == (
        "InvalidParameterValueException",
        "An error occurred and the request cannot be processed.",
        400,
    )
    assert error(lambda: lam.untag_resource(Resource=arn(name), TagKeys=[])) == (
        "ValidationException",
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
        "Member must not be null",
        400,
    )
    code, message, status = error(
        lambda: lam.tag_resource(Resource="arn:aws:something", Tags={"a": "b"})
    )
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith(
        "1 validation error detected: Value 'arn:aws:something' at 'resource'"
    )
    assert error(lambda: lam.tag_resource(Resource=arn("doesnotexist"), Tags={"a": "b"})) == (
        "ResourceNotFoundException",
        f"Function not found: {arn('doesnotexist')}",
        404,
    )
    untag = lam.untag_resource(Resource=arn(name), TagKeys=["somekey"])
    assert untag["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(lam, name) == {}


def test_key_and_value_constraints_are_the_models(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    code, message, _ = error(lambda: lam.tag_resource(Resource=arn(name), Tags={"k" * 129: "v"}))
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 128" in message
    code, message, _ = error(lambda: lam.tag_resource(Resource=arn(name), Tags={"k": "v" * 257}))
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 256" in message
    lam.tag_resource(Resource=arn(name), Tags={"k" * 128: "v" * 256, "empty": ""})
    assert tags_of(lam, name) == {"k" * 128: "v" * 256, "empty": ""}


@pytest.mark.parametrize("qualifier", ["1", "$LATEST", "v1"])
def test_qualified_arns_are_refused(lam: Any, function: Callable[..., str], qualifier: str) -> None:
    name = function(Tags={"key_a": "value_a"}, Publish=True)
    resource = arn(name, qualifier)
    assert error(lambda: lam.tag_resource(Resource=resource, Tags={"b": "c"})) == QUALIFIED
    assert error(lambda: lam.untag_resource(Resource=resource, TagKeys=["key_a"])) == QUALIFIED
    assert error(lambda: lam.list_tags(Resource=resource)) == QUALIFIED
    assert tags_of(lam, name) == {"key_a": "value_a"}


def test_other_resources_are_not_taggable_yet(lam: Any) -> None:
    uuid = "11111111-1111-1111-1111-111111111111"
    mapping = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid}"
    assert error(lambda: lam.tag_resource(Resource=mapping, Tags={"a": "b"})) == (
        "InvalidParameterValueException",
        "Tagging event-source-mapping resources is not supported by lambdalite.",
        400,
    )
