"""Layers through boto3: versions, policies, listings, a function's Layers, restarts.

Expected answers are AWS's, recorded in LocalStack's AWS-validated snapshots of
``tests/aws/services/lambda_/test_lambda_api.py::TestLambdaLayer`` unless said otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdalite.config import Settings
from lambdalite.services.lambda_.provider import LambdaProvider
from lambdalite.services.platform import Platform
from lambdalite.store import Scope, Store
from tests.conformance.conftest import zipped
from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, error
from tests.support.server import running_server

from .conftest import ROLE, handler_zip

OTHER_ACCOUNT = "111111111111"
CREATED_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
NOT_FOUND = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
BELOW_ONE = ("InvalidParameterValueException", "Layer Version Cannot be less than 1", 400)


def layer_zip(marker: str = "1") -> bytes:
    return zipped({"python/shared.py": f"MARKER = {marker!r}\n"})


def layer_arn(
    name: str, version: int | None = None, account: str = ACCOUNT, region: str = "us-east-1"
) -> str:
    base = f"arn:aws:lambda:{region}:{account}:layer:{name}"
    return base if version is None else f"{base}:{version}"


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def layer_name(request: pytest.FixtureRequest) -> Callable[[], str]:
    """Unique layer names per test (the module's server is shared by its tests)."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:10]
    count = iter(range(100))
    return lambda: f"{request.node.originalname[5:45]}-{digest}-{next(count)}"


# --- versions ------------------------------------------------------------------------------------


def test_publish_answers_the_version_and_get_answers_it_again(
    lam: Any, layer_name: Callable[[], str]
) -> None:
    name, content = layer_name(), layer_zip("publish")
    published = lam.publish_layer_version(
        LayerName=name,
        Description="shared code",
        LicenseInfo="MIT",
        Content={"ZipFile": content},
        CompatibleRuntimes=["python3.12", "python3.11"],
        CompatibleArchitectures=["arm64", "x86_64"],
    )
    assert published.pop("ResponseMetadata")["HTTPStatusCode"] == 201
    location = published["Content"].pop("Location")
    assert CREATED_DATE.fullmatch(published.pop("CreatedDate"))
    assert published == {
        "Content": {"CodeSha256": sha256_b64(content), "CodeSize": len(content)},
        "LayerArn": layer_arn(name),
        "LayerVersionArn": layer_arn(name, 1),
        "Description": "shared code",
        "Version": 1,
        "CompatibleRuntimes": ["python3.12", "python3.11"],  # as given, in the given order
        "CompatibleArchitectures": ["arm64", "x86_64"],
        "LicenseInfo": "MIT",
    }
    with urllib.request.urlopen(location, timeout=10) as response:
        assert response.read() == content
    for got in (
        lam.get_layer_version(LayerName=name, VersionNumber=1),
        lam.get_layer_version(LayerName=layer_arn(name), VersionNumber=1),
        lam.get_layer_version_by_arn(Arn=layer_arn(name, 1)),
    ):
        got.pop("ResponseMetadata")
        got["Content"].pop("Location")
        got.pop("CreatedDate")
        assert got == published


def test_optional_members_appear_only_when_given(lam: Any, layer_name: Callable[[], str]) -> None:
    bare = lam.publish_layer_version(LayerName=layer_name(), Content={"ZipFile": layer_zip()})
    assert bare["Description"] == ""
    assert not {"CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"} & set(bare)
    # Empty lists are valid, and echoed (recorded publish_empty_result).
    empty = lam.publish_layer_version(
        LayerName=layer_name(),
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=[],
        CompatibleArchitectures=[],
    )
    assert (empty["CompatibleRuntimes"], empty["CompatibleArchitectures"]) == ([], [])


def test_version_numbers_are_never_reused(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    one = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    two = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    assert (one["Version"], two["Version"]) == (1, 2)
    assert one["Content"]["CodeSha256"] == two["Content"]["CodeSha256"]  # same content, new version
    assert (
        lam.delete_layer_version(LayerName=name, VersionNumber=1)["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 204
    )
    lam.delete_layer_version(LayerName=layer_arn(name), VersionNumber=2)
    assert lam.list_layer_versions(LayerName=name)["LayerVersions"] == []
    assert error(lambda: lam.get_layer_version(LayerName=name, VersionNumber=1)) == NOT_FOUND
    assert (
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})["Version"] == 3
    )


def test_missing_versions_and_bad_numbers(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    assert (
        error(lambda: lam.get_layer_version(LayerName="layerdoesnotexist", VersionNumber=1))
        == NOT_FOUND
    )
    assert error(lambda: lam.get_layer_version(LayerName=name, VersionNumber=2)) == NOT_FOUND
    assert error(lambda: lam.get_layer_version_by_arn(Arn=layer_arn(name, 2))) == NOT_FOUND
    assert error(lambda: lam.get_layer_version(LayerName=name, VersionNumber=0)) == BELOW_ONE
    assert error(lambda: lam.get_layer_version(LayerName=name, VersionNumber=-1)) == BELOW_ONE
    assert error(lambda: lam.delete_layer_version(LayerName=name, VersionNumber=-1)) == BELOW_ONE
    code, message, _ = error(
        lambda: lam.get_layer_version_by_arn(Arn=layer_arn(name))
    )  # no version
    assert code == "ValidationException"
    assert message.startswith(
        f"1 validation error detected: Value '{layer_arn(name)}' at 'arn' failed to satisfy "
        "constraint"
    )
    # Deleting what is not there succeeds, as often as asked (recorded delete_nonexistent_*).
    for _ in range(2):
        lam.delete_layer_version(LayerName="layerdoesnotexist", VersionNumber=1)
        lam.delete_layer_version(LayerName=name, VersionNumber=2)
    assert lam.list_layer_versions(LayerName="layerdoesnotexist")["LayerVersions"] == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({}, "Missing Content"),
        (
            {"S3Bucket": "bucket", "S3Key": "layer.zip"},
            "lambdalite has no S3 to read S3Bucket/S3Key from: upload the layer as ZipFile.",
        ),
        (
            {"ZipFile": b"not a zip"},
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ),
    ],
    ids=["empty", "s3", "not-a-zip"],
)
def test_publish_refusals(
    lam: Any, layer_name: Callable[[], str], content: dict[str, Any], expected: str
) -> None:
    name = layer_name()
    assert error(lambda: lam.publish_layer_version(LayerName=name, Content=content)) == (
        "InvalidParameterValueException",
        expected,
        400,
    )
    assert lam.list_layer_versions(LayerName=name)["LayerVersions"] == []


def test_publish_validates_runtimes_and_architectures(
    lam: Any, layer_name: Callable[[], str]
) -> None:
    code, message, status = error(
        lambda: lam.publish_layer_version(
            LayerName=layer_name(),
            Content={"ZipFile": layer_zip()},
            CompatibleRuntimes=["invalidruntime"],
            CompatibleArchitectures=["invalidarch"],
        )
    )
    assert (code, status) == ("ValidationException", 400)
    # AWS lists compatibleRuntimes first, and only the runtimes it supports (see the report);
    # the model's generic checks word the rest.
    assert message.startswith("2 validation errors detected: ")
    assert "'[invalidruntime]' at 'compatibleRuntimes'" in message
    assert "'[invalidarch]' at 'compatibleArchitectures'" in message


# --- listings ------------------------------------------------------------------------------------


def test_list_layer_versions_newest_first_with_filters_and_pages(
    lam: Any, layer_name: Callable[[], str]
) -> None:
    name = layer_name()
    lam.publish_layer_version(
        LayerName=name,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"],
        Description="first",
    )
    lam.publish_layer_version(
        LayerName=name,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["nodejs20.x"],
        LicenseInfo="MIT",
    )
    lam.publish_layer_version(
        LayerName=name,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["python3.12", "python3.13"],
        CompatibleArchitectures=["arm64"],
    )
    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [3, 2, 1]
    for item in versions:
        assert CREATED_DATE.fullmatch(item.pop("CreatedDate"))
    # No Content nor LayerArn; an empty Description left out (moto's AWS-verified
    # test_list_lambda_layers).
    assert versions[1:] == [
        {
            "LayerVersionArn": layer_arn(name, 2),
            "Version": 2,
            "CompatibleRuntimes": ["nodejs20.x"],
            "LicenseInfo": "MIT",
        },
        {
            "LayerVersionArn": layer_arn(name, 1),
            "Version": 1,
            "Description": "first",
            "CompatibleRuntimes": ["python3.12"],
            "CompatibleArchitectures": ["x86_64"],
        },
    ]

    def numbers(**filters: Any) -> list[int]:
        return [
            v["Version"]
            for v in lam.list_layer_versions(LayerName=name, **filters)["LayerVersions"]
        ]

    assert numbers(CompatibleRuntime="python3.12") == [3, 1]
    assert numbers(CompatibleArchitecture="arm64") == [3]
    assert numbers(CompatibleRuntime="python3.12", CompatibleArchitecture="x86_64") == [1]
    assert numbers(CompatibleRuntime="java21") == []
    first = lam.list_layer_versions(LayerName=layer_arn(name), MaxItems=2)
    assert [v["Version"] for v in first["LayerVersions"]] == [3, 2]
    rest = lam.list_layer_versions(LayerName=name, MaxItems=2, Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["LayerVersions"]] == [1]
    assert "NextMarker" not in rest


def test_list_layers_shows_the_latest_matching_version(
    lam: Any, layer_name: Callable[[], str]
) -> None:
    mixed, arm_only, gone = layer_name(), layer_name(), layer_name()
    lam.publish_layer_version(
        LayerName=mixed,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["ruby3.4"],
        CompatibleArchitectures=["x86_64"],
    )
    lam.publish_layer_version(
        LayerName=mixed,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["ruby3.4"],
        CompatibleArchitectures=["arm64"],
        Description="newest",
    )
    lam.publish_layer_version(
        LayerName=arm_only,
        Content={"ZipFile": layer_zip()},
        CompatibleRuntimes=["ruby3.4"],
        CompatibleArchitectures=["arm64"],
    )
    lam.publish_layer_version(
        LayerName=gone, Content={"ZipFile": layer_zip()}, CompatibleRuntimes=["ruby3.4"]
    )
    lam.delete_layer_version(LayerName=gone, VersionNumber=1)

    def latest(**filters: Any) -> dict[str, int]:
        layers = lam.list_layers(CompatibleRuntime="ruby3.4", **filters)["Layers"]
        return {layer["LayerName"]: layer["LatestMatchingVersion"]["Version"] for layer in layers}

    assert latest() == {mixed: 2, arm_only: 1}
    assert latest(CompatibleArchitecture="x86_64") == {mixed: 1}
    listed = next(layer for layer in lam.list_layers()["Layers"] if layer["LayerName"] == mixed)
    assert listed["LayerArn"] == layer_arn(mixed)
    assert listed["LatestMatchingVersion"]["LayerVersionArn"] == layer_arn(mixed, 2)
    assert listed["LatestMatchingVersion"]["Description"] == "newest"
    assert "Content" not in listed["LatestMatchingVersion"]


def test_list_layers_pages_in_name_order(lam: Any, layer_name: Callable[[], str]) -> None:
    names = [layer_name() for _ in range(3)]
    for name in names:
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    seen: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = lam.list_layers(MaxItems=2, **marker)
        assert len(page["Layers"]) <= 2
        seen.extend(layer["LayerName"] for layer in page["Layers"])
        if "NextMarker" not in page:
            break
        marker = {"Marker": page["NextMarker"]}
    assert seen == sorted(seen)
    assert set(names) <= set(seen)
    assert len(seen) == len(set(seen))


def test_list_filters_are_validated_by_the_model(lam: Any) -> None:
    assert error(lambda: lam.list_layers(CompatibleArchitecture="archdoesnotexist")) == (
        "ValidationException",
        "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' "
        "failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
        400,
    )
    assert (
        error(lambda: lam.list_layers(CompatibleRuntime="runtimedoesnotexist"))[0]
        == "ValidationException"
    )


# --- permissions ---------------------------------------------------------------------------------


def statement(sid: str, resource: str, principal: Any = "*") -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:GetLayerVersion",
        "Resource": resource,
    }


def test_policy_lifecycle(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    resource = layer_arn(name, 1)
    added = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="s1",
        Action="lambda:GetLayerVersion",
        Principal="*",
    )
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(added["Statement"]) == statement("s1", resource)
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert json.loads(policy["Policy"]) == {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [statement("s1", resource)],
    }
    assert policy["RevisionId"] == added["RevisionId"]

    second = lam.add_layer_version_permission(
        LayerName=layer_arn(name),
        VersionNumber=1,
        StatementId="s2",
        Action="lambda:GetLayerVersion",
        Principal="*",
        RevisionId=policy["RevisionId"],
    )
    assert second["RevisionId"] != added["RevisionId"]
    both = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert [s["Sid"] for s in json.loads(both["Policy"])["Statement"]] == ["s1", "s2"]
    removed = lam.remove_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s2", RevisionId=both["RevisionId"]
    )
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    after = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert json.loads(after["Policy"])["Statement"] == [statement("s1", resource)]
    assert after["RevisionId"] not in (added["RevisionId"], both["RevisionId"])
    lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s1")
    assert error(lambda: lam.get_layer_version_policy(LayerName=name, VersionNumber=1)) == (
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
        404,
    )


def test_account_and_organization_principals(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    resource = layer_arn(name, 1)
    account = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="account",
        Action="lambda:GetLayerVersion",
        Principal="223456789012",
    )
    root = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="root",
        Action="lambda:GetLayerVersion",
        Principal="arn:aws:iam::323456789012:root",
    )
    org = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="org",
        Action="lambda:GetLayerVersion",
        Principal="*",
        OrganizationId="o-t194hfs8cz",
    )
    # aws-sdk-ruby's AddLayerVersionPermission example; serverless/serverless#5761.
    assert json.loads(account["Statement"]) == statement(
        "account", resource, {"AWS": "arn:aws:iam::223456789012:root"}
    )
    assert json.loads(root["Statement"]) == statement(
        "root", resource, {"AWS": "arn:aws:iam::323456789012:root"}
    )
    assert json.loads(org["Statement"]) == {
        **statement("org", resource),
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-t194hfs8cz"}},
    }
    assert org["Statement"].startswith(
        '{"Sid":"org","Effect":"Allow","Principal":"*",'
    )  # compact, in AWS's order


def test_policy_errors(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})

    def add(**overrides: Any) -> Any:
        params = {
            "LayerName": name,
            "VersionNumber": 1,
            "StatementId": "s1",
            "Action": "lambda:GetLayerVersion",
            "Principal": "*",
            **overrides,
        }
        return lam.add_layer_version_permission(**params)

    assert error(lambda: lam.get_layer_version_policy(LayerName=name, VersionNumber=1)) == (
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
        404,
    )
    assert error(
        lambda: lam.remove_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="s1"
        )
    ) == ("ResourceNotFoundException", "No policy is associated with the given resource.", 404)
    add()
    assert error(add) == (
        "ResourceConflictException",
        "The statement id (s1) provided already exists. Please provide a new statement id, "
        "or remove the existing statement.",
        409,
    )
    wrong_revision = (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetLayerPolicy API to retrieve the latest Revision Id",
        412,
    )
    assert error(lambda: add(StatementId="s2", RevisionId="wrong")) == wrong_revision
    assert (
        error(
            lambda: lam.remove_layer_version_permission(
                LayerName=name, VersionNumber=1, StatementId="s1", RevisionId="wrong"
            )
        )
        == wrong_revision
    )
    assert error(
        lambda: lam.remove_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="doesnotexist"
        )
    ) == (
        "ResourceNotFoundException",
        "Statement doesnotexist is not found in resource policy.",
        404,
    )
    assert error(lambda: add(StatementId="s3", Action="*")) == (
        "ValidationException",
        "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: lambda:GetLayerVersion",
        400,
    )
    for missing, version in ((f"{name}-doesnotexist", 1), (name, 2)):
        expected = (
            "ResourceNotFoundException",
            f"Layer version {layer_arn(missing, version)} does not exist.",
            404,
        )
        target = {"LayerName": missing, "VersionNumber": version}
        assert error(lambda t=target: add(**t, StatementId="s9")) == expected
        assert error(lambda t=target: lam.get_layer_version_policy(**t)) == expected
        assert (
            error(lambda t=target: lam.remove_layer_version_permission(**t, StatementId="s1"))
            == expected
        )


def test_deleting_a_version_deletes_its_policy(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="s1",
        Action="lambda:GetLayerVersion",
        Principal="*",
    )
    lam.delete_layer_version(LayerName=name, VersionNumber=1)
    assert (
        error(lambda: lam.get_layer_version_policy(LayerName=name, VersionNumber=1))[1]
        == f"Layer version {layer_arn(name, 1)} does not exist."
    )


# --- a function's Layers -------------------------------------------------------------------------


def test_function_layers_on_create_and_update(
    lam: Any, function: Callable[..., str], layer_name: Callable[[], str]
) -> None:
    first, second = layer_name(), layer_name()
    one = lam.publish_layer_version(LayerName=first, Content={"ZipFile": layer_zip("one")})
    two = lam.publish_layer_version(LayerName=second, Content={"ZipFile": layer_zip("two-bigger")})
    name = function(Layers=[one["LayerVersionArn"]])
    expected_one = {"Arn": one["LayerVersionArn"], "CodeSize": one["Content"]["CodeSize"]}
    assert lam.get_function_configuration(FunctionName=name)["Layers"] == [expected_one]
    assert lam.get_function(FunctionName=name)["Configuration"]["Layers"] == [expected_one]

    updated = lam.update_function_configuration(
        FunctionName=name, Layers=[two["LayerVersionArn"], one["LayerVersionArn"]]
    )
    expected = [
        {"Arn": two["LayerVersionArn"], "CodeSize": two["Content"]["CodeSize"]},
        expected_one,
    ]
    assert updated["Layers"] == expected
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lam.get_function_configuration(FunctionName=name)["Layers"] == expected
    lam.publish_version(FunctionName=name)
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["Layers"] == expected

    # Deleting a layer version leaves the functions that use it as they are (recorded).
    lam.delete_layer_version(LayerName=first, VersionNumber=1)
    assert lam.get_function_configuration(FunctionName=name)["Layers"] == expected
    assert lam.update_function_configuration(FunctionName=name, Timeout=5)["Layers"] == expected


def test_function_created_with_no_layers_has_no_layers_member(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function(Layers=[])
    assert "Layers" not in lam.get_function_configuration(FunctionName=name)


def test_update_with_no_layers_removes_them(
    lam: Any, function: Callable[..., str], layer_name: Callable[[], str]
) -> None:
    one = lam.publish_layer_version(LayerName=layer_name(), Content={"ZipFile": layer_zip()})
    name = function(Layers=[one["LayerVersionArn"]])
    assert "Layers" not in lam.update_function_configuration(FunctionName=name, Layers=[])


def test_function_layer_errors(
    lam: Any, function: Callable[..., str], layer_name: Callable[[], str]
) -> None:
    name = layer_name()
    versions = [
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})[
            "LayerVersionArn"
        ]
        for _ in range(3)
    ]
    target = function()

    def update(layers: list[str]) -> tuple[str, str, int]:
        return error(lambda: lam.update_function_configuration(FunctionName=target, Layers=layers))

    def same_layer(first: str, second: str) -> tuple[str, str, int]:
        return (
            "InvalidParameterValueException",
            "Two different versions of the same layer are not allowed to be referenced in the "
            f"same function. {first} and {second} are versions of the same layer.",
            400,
        )

    assert update(versions[:2]) == same_layer(versions[0], versions[1])
    assert update(versions) == same_layer(versions[0], versions[1])
    assert update([versions[0], versions[0]]) == same_layer(versions[0], versions[0])
    for missing in (layer_arn("doesnotexist", 1), layer_arn(name, 9)):
        assert update([missing]) == (
            "InvalidParameterValueException",
            f"Layer version {missing} does not exist.",
            400,
        )
    code, message, _ = update([layer_arn(name)])
    assert code == "ValidationException"
    assert "at 'layers' failed to satisfy constraint: Member must satisfy constraint" in message
    assert update([layer_arn(name, 1, region="eu-west-1")]) == (
        "InvalidParameterValueException",
        "Layers are not in the same region as the function. "
        "Layers are expected to be in region us-east-1.",
        400,
    )
    code, message, status = update([layer_arn(name, 1, account="123456789012")])
    assert (code, status) == ("AccessDeniedException", 403)
    assert message.endswith(
        "is not authorized to perform: lambda:GetLayerVersion on resource: "
        f"{layer_arn(name, 1, account='123456789012')} because no resource-based policy allows "
        "the lambda:GetLayerVersion action"
    )
    assert "Layers" not in lam.get_function_configuration(
        FunctionName=target
    )  # nothing was applied


def test_at_most_five_layers(lam: Any, layer_name: Callable[[], str]) -> None:
    arns = [
        lam.publish_layer_version(LayerName=layer_name(), Content={"ZipFile": layer_zip()})[
            "LayerVersionArn"
        ]
        for _ in range(6)
    ]
    params = {
        "FunctionName": "six-layers",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "handler.handler",
        "Code": {"ZipFile": handler_zip()},
    }
    assert error(lambda: lam.create_function(**params, Layers=arns)) == (
        "InvalidParameterValueException",
        "Cannot reference more than 5 layers.",
        400,
    )
    assert (
        error(lambda: lam.get_function(FunctionName="six-layers"))[0] == "ResourceNotFoundException"
    )
    lam.create_function(**params, Layers=arns[:5])
    assert len(lam.get_function_configuration(FunctionName="six-layers")["Layers"]) == 5


def test_a_deleted_layer_version_cannot_be_added(lam: Any, layer_name: Callable[[], str]) -> None:
    name = layer_name()
    version = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})[
        "LayerVersionArn"
    ]
    lam.delete_layer_version(LayerName=name, VersionNumber=1)
    params = {
        "FunctionName": "deleted-layer",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "handler.handler",
        "Code": {"ZipFile": handler_zip()},
    }
    assert error(lambda: lam.create_function(**params, Layers=[version])) == (
        "InvalidParameterValueException",
        f"Layer version {version} does not exist.",
        400,
    )


def test_other_accounts_layers_are_refused(lam: Any, layer_name: Callable[[], str]) -> None:
    foreign = layer_arn(layer_name(), account="123456789012")
    for call, action, resource in (
        (
            lambda: lam.get_layer_version(LayerName=foreign, VersionNumber=1),
            "GetLayerVersion",
            f"{foreign}:1",
        ),
        (
            lambda: lam.get_layer_version_by_arn(Arn=f"{foreign}:1"),
            "GetLayerVersion",
            f"{foreign}:1",
        ),
        (lambda: lam.list_layer_versions(LayerName=foreign), "ListLayerVersions", foreign),
        (
            lambda: lam.delete_layer_version(LayerName=foreign, VersionNumber=1),
            "DeleteLayerVersion",
            f"{foreign}:1",
        ),
        (
            lambda: lam.publish_layer_version(LayerName=foreign, Content={"ZipFile": layer_zip()}),
            "PublishLayerVersion",
            foreign,
        ),
        (
            lambda: lam.get_layer_version_policy(LayerName=foreign, VersionNumber=1),
            "GetLayerVersionPolicy",
            f"{foreign}:1",
        ),
    ):
        code, message, status = error(call)
        assert (code, status) == ("AccessDeniedException", 403)
        assert (
            message
            == f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: lambda:{action} "
            f"on resource: {resource} because no resource-based policy allows the "
            f"lambda:{action} action"
        )


# --- durability, sharing across accounts, and what execution mounts ------------------------------


async def _layer_packages(data_dir: Path, arns: list[str]) -> list[tuple[str, int]]:
    """What execution gets for a configuration's Layers, read from a stopped server's store."""
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings.database_url)
    try:
        platform = Platform.build(settings, store)
        packages = await LambdaProvider(platform).layer_packages(Scope(ACCOUNT, "us-east-1"), arns)
        return [(package.sha256_hex, package.size) for package in packages]
    finally:
        store.close()


def test_layers_survive_restarts_and_are_shared_by_policy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    one, two = layer_zip("durable-1"), layer_zip("durable-2")
    with running_server(data_dir) as first:
        lam = make_client(first.endpoint, "lambda")
        lam.publish_layer_version(LayerName="durable", Content={"ZipFile": one})
        published = lam.publish_layer_version(
            LayerName="durable", Content={"ZipFile": two}, CompatibleRuntimes=["python3.12"]
        )
        lam.publish_layer_version(LayerName="private", Content={"ZipFile": one})
        lam.delete_layer_version(LayerName="durable", VersionNumber=1)
        lam.add_layer_version_permission(
            LayerName="durable",
            VersionNumber=2,
            StatementId="share",
            Action="lambda:GetLayerVersion",
            Principal=OTHER_ACCOUNT,
        )
        first.stop()

    # Execution resolves the content of every version a configuration names, deleted ones too.
    arns = [layer_arn("durable", 1), layer_arn("durable", 2)]
    expected = [(hashlib.sha256(data).hexdigest(), len(data)) for data in (one, two)]
    assert asyncio.run(_layer_packages(data_dir, arns)) == expected

    with running_server(data_dir) as second:
        lam = make_client(second.endpoint, "lambda")
        got = lam.get_layer_version(LayerName="durable", VersionNumber=2)
        assert (got["CreatedDate"], got["Content"]["CodeSha256"], got["CompatibleRuntimes"]) == (
            published["CreatedDate"],
            published["Content"]["CodeSha256"],
            ["python3.12"],
        )
        assert [
            v["Version"] for v in lam.list_layer_versions(LayerName="durable")["LayerVersions"]
        ] == [2]
        assert [
            s["Sid"]
            for s in json.loads(
                lam.get_layer_version_policy(LayerName="durable", VersionNumber=2)["Policy"]
            )["Statement"]
        ] == ["share"]
        assert (
            lam.publish_layer_version(LayerName="durable", Content={"ZipFile": one})["Version"] == 3
        )
        second.stop()

    with running_server(data_dir, env={"LAMBDALITE_ACCOUNT_ID": OTHER_ACCOUNT}) as other:
        lam = make_client(other.endpoint, "lambda")
        shared = layer_arn("durable", 2)
        assert (
            lam.get_layer_version_by_arn(Arn=shared)["Content"]["CodeSha256"]
            == published["Content"]["CodeSha256"]
        )
        assert (
            error(lambda: lam.get_layer_version_by_arn(Arn=layer_arn("durable", 3)))[0]
            == "AccessDeniedException"
        )
        assert (
            error(lambda: lam.get_layer_version_by_arn(Arn=layer_arn("private", 1)))[0]
            == "AccessDeniedException"
        )
        lam.create_function(
            FunctionName="borrower",
            Runtime="python3.12",
            Role=f"arn:aws:iam::{OTHER_ACCOUNT}:role/r",
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
            Layers=[shared],
        )
        assert lam.get_function_configuration(FunctionName="borrower")["Layers"] == [
            {"Arn": shared, "CodeSize": len(two)}
        ]
        assert lam.list_layers()["Layers"] == []  # another account's layers are not listed


def test_account_code_size_counts_layer_versions(lam: Any, layer_name: Callable[[], str]) -> None:
    before = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    content = layer_zip("size")
    name = layer_name()
    published = lam.publish_layer_version(LayerName=name, Content={"ZipFile": content})
    assert lam.get_account_settings()["AccountUsage"]["TotalCodeSize"] == before + len(content)
    lam.delete_layer_version(LayerName=name, VersionNumber=published["Version"])
    assert lam.get_account_settings()["AccountUsage"]["TotalCodeSize"] == before
