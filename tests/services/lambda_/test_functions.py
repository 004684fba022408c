"""Functions and versions through boto3: every accepted name form, AWS's errors and limits."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tests.conformance.conftest import zipped
from tests.support.aws_errors import ACCOUNT, arn, error

from .conftest import ROLE, handler_zip


@pytest.mark.parametrize(
    "form",
    [
        "{name}",
        f"{ACCOUNT}:function:{{name}}",
        "arn:aws:lambda:us-east-1:" + ACCOUNT + ":function:{name}",
    ],
    ids=["name", "partial-arn", "arn"],
)
def test_every_name_form_reaches_the_function(
    lam: Any, function: Callable[..., str], form: str
) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    reference = form.format(name=name)
    assert lam.get_function_configuration(FunctionName=reference)["FunctionArn"] == arn(name)
    assert lam.get_function_configuration(FunctionName=f"{reference}:1")["FunctionArn"] == arn(
        name, "1"
    )
    assert lam.get_function_configuration(FunctionName=reference, Qualifier="1")["Version"] == "1"
    assert (
        lam.get_function(FunctionName=f"{reference}:$LATEST")["Configuration"]["Version"]
        == "$LATEST"
    )


def test_foreign_references_are_refused(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    assert error(lambda: lam.get_function(FunctionName=f"{name}:1", Qualifier="2")) == (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
        400,
    )
    other_region = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}"
    assert error(lambda: lam.get_function(FunctionName=other_region))[:2] == (
        "ResourceNotFoundException",
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    )
    code, message, status = error(
        lambda: lam.get_function(
            FunctionName=f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        )
    )
    assert (code, status) == ("AccessDeniedException", 403)
    assert "is not authorized to perform: lambda:GetFunction" in message


def test_code_sha256_size_and_download(lam: Any, function: Callable[..., str]) -> None:
    package = handler_zip("download")
    name = function(Code={"ZipFile": package})
    got = lam.get_function(FunctionName=name)
    assert (
        got["Configuration"]["CodeSha256"]
        == base64.b64encode(hashlib.sha256(package).digest()).decode()
    )
    assert got["Configuration"]["CodeSize"] == len(package)
    assert got["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["Code"]["Location"], timeout=10) as response:
        assert response.read() == package
    forged = got["Code"]["Location"].replace("Signature=", "Signature=0")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 403


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"Code": {"ZipFile": b"not a zip"}},
            (
                "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            ),
        ),
        (
            {"Code": {"S3Bucket": "bucket", "S3Key": "key"}},
            (
                "InvalidParameterValueException",
                "lambdalite has no S3 to read S3Bucket/S3Key from: upload the code as ZipFile.",
            ),
        ),
        (
            {"PackageType": "Image", "Code": {"ImageUri": "x"}},
            (
                "InvalidParameterValueException",
                "PackageType Image needs a container image runtime, which lambdalite does not have: deploy the function as a Zip package.",
            ),
        ),
        (
            {"Handler": None},
            (
                "InvalidParameterValueException",
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
            ),
        ),
        (
            {"Timeout": 901},
            (
                "ValidationException",
                "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
            ),
        ),
        (
            {"MemorySize": 10241},
            (
                "ValidationException",
                "1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
            ),
        ),
        (
            {"Environment": {"Variables": {"AWS_REGION": "x"}}},
            (
                "InvalidParameterValueException",
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION",
            ),
        ),
        (
            {
                "FileSystemConfigs": [
                    {
                        "Arn": "arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0",
                        "LocalMountPath": "/mnt/x",
                    }
                ]
            },
            (
                "InvalidParameterValueException",
                "Amazon EFS file systems (FileSystemConfigs) is not supported by lambdalite.",
            ),
        ),
        (
            {"Tags": {f"k{i}": "v" for i in range(51)}},
            ("InvalidParameterValueException", "Number of tags exceeds resource tag limit."),
        ),
    ],
    ids=[
        "bad-zip",
        "s3",
        "image",
        "no-handler",
        "timeout",
        "memory",
        "reserved-env",
        "efs",
        "tags",
    ],
)
def test_create_function_refusals(
    lam: Any, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    params = {
        "FunctionName": "refused",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "h.h",
        "Code": {"ZipFile": handler_zip()},
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    assert error(lambda: lam.create_function(**params))[:2] == expected
    assert error(lambda: lam.get_function(FunctionName="refused"))[0] == "ResourceNotFoundException"


def test_environment_limit_of_4kb(lam: Any) -> None:
    variables = {"BIG": "x" * 4100}
    code, message, _ = error(
        lambda: lam.create_function(
            FunctionName="big-env",
            Runtime="python3.12",
            Role=ROLE,
            Handler="h.h",
            Code={"ZipFile": handler_zip()},
            Environment={"Variables": variables},
        )
    )
    assert code == "InvalidParameterValueException"
    assert message.startswith(
        'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"BIG":'
    )


def test_zip_escaping_its_tree_is_refused(lam: Any) -> None:
    evil = zipped({"../outside.py": "x = 1\n"})
    assert (
        error(
            lambda: lam.create_function(
                FunctionName="evil",
                Runtime="python3.12",
                Role=ROLE,
                Handler="h.h",
                Code={"ZipFile": evil},
            )
        )[0]
        == "InvalidParameterValueException"
    )


def test_provided_runtime_needs_no_handler(lam: Any) -> None:
    package = zipped({"bootstrap": "#!/bin/sh\n"})
    created = lam.create_function(
        FunctionName="custom-runtime",
        Runtime="provided.al2023",
        Role=ROLE,
        Code={"ZipFile": package},
    )
    assert "Handler" not in created


def test_update_code_dry_run_changes_nothing(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    before = lam.get_function_configuration(FunctionName=name)
    dry = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("dry"), DryRun=True)
    assert dry["CodeSha256"] != before["CodeSha256"]
    after = lam.get_function_configuration(FunctionName=name)
    assert (after["CodeSha256"], after["RevisionId"]) == (
        before["CodeSha256"],
        before["RevisionId"],
    )


def test_update_code_with_publish_makes_a_version(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    published = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("v2"), Publish=True)
    assert (published["Version"], published["FunctionArn"]) == ("1", arn(name, "1"))
    lam.get_waiter("published_version_active").wait(FunctionName=name, Qualifier="1")
    version = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert version["CodeSha256"] == lam.get_function_configuration(FunctionName=name)["CodeSha256"]


def test_versions_keep_their_code_and_configuration(lam: Any, function: Callable[..., str]) -> None:
    name = function(Environment={"Variables": {"STAGE": "one"}})
    one = lam.publish_version(FunctionName=name)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"STAGE": "two"}}, Timeout=9
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    kept = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert kept["Environment"] == {"Variables": {"STAGE": "one"}}
    assert (kept["Timeout"], kept["CodeSha256"], kept["RevisionId"]) == (
        3,
        one["CodeSha256"],
        one["RevisionId"],
    )


def test_publish_preconditions(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    current = lam.get_function_configuration(FunctionName=name)
    assert error(lambda: lam.publish_version(FunctionName=name, CodeSha256="bogus"))[:2] == (
        "InvalidParameterValueException",
        f"CodeSHA256 (bogus) is different from current CodeSHA256 in $LATEST ({current['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.",
    )
    assert (
        error(lambda: lam.publish_version(FunctionName=name, RevisionId="bogus"))[0]
        == "PreconditionFailedException"
    )
    assert (
        lam.publish_version(
            FunctionName=name, CodeSha256=current["CodeSha256"], RevisionId=current["RevisionId"]
        )["Version"]
        == "1"
    )


def test_delete_version_rules(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    assert error(lambda: lam.delete_function(FunctionName=name, Qualifier="$LATEST"))[:2] == (
        "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.",
    )
    assert (
        error(lambda: lam.delete_function(FunctionName=name, Qualifier="7"))[1]
        == f"Function not found: {arn(name, '7')}"
    )
    assert lam.delete_function(FunctionName=name, Qualifier="1")["StatusCode"] == 204
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == [
        "$LATEST"
    ]
    assert lam.publish_version(FunctionName=name)["Version"] == "2"  # numbers are never reused


def test_list_functions_pages_with_markers(lam: Any, function: Callable[..., str]) -> None:
    names = {function() for _ in range(3)}
    seen: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = lam.list_functions(MaxItems=2, **marker)
        assert len(page["Functions"]) <= 2
        seen.extend(f["FunctionName"] for f in page["Functions"])
        if "NextMarker" not in page:
            break
        marker = {"Marker": page["NextMarker"]}
    assert names <= set(seen)
    assert len(seen) == len(set(seen))
    assert (
        error(lambda: lam.list_functions(Marker="!!not-a-marker"))[0]
        == "InvalidParameterValueException"
    )


def test_account_settings_count_functions_and_code(lam: Any, function: Callable[..., str]) -> None:
    before = lam.get_account_settings()
    package = handler_zip("account")
    function(Code={"ZipFile": package})
    after = lam.get_account_settings()
    assert after["AccountUsage"]["FunctionCount"] == before["AccountUsage"]["FunctionCount"] + 1
    assert after["AccountUsage"]["TotalCodeSize"] == before["AccountUsage"]["TotalCodeSize"] + len(
        package
    )
    assert after["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert after["AccountLimit"]["CodeSizeZipped"] == 52_428_800


def test_all_waiters(lam: Any) -> None:
    name = "waited-fn"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    lam.get_waiter("function_exists").wait(FunctionName=name)
    lam.get_waiter("function_active").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Timeout=4)
    lam.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name)
    lam.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier="1", WaiterConfig={"Delay": 1}
    )
