"""Function URL configs through boto3: the URL, settings echoed, aliases, AWS's errors, restarts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lambdalite.config import Settings
from lambdalite.services.lambda_.provider import LambdaProvider
from lambdalite.services.lambda_.url_configs import UrlTarget
from lambdalite.services.platform import Platform
from lambdalite.store import Store
from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, arn, error
from tests.support.server import LambdaliteServer, running_server

from .conftest import ROLE, handler_zip

NOT_EXIST = "The resource you requested does not exist."
CORS = {
    "AllowCredentials": True,
    "AllowHeaders": ["x-custom"],
    "AllowMethods": ["GET", "POST"],
    "AllowOrigins": ["https://example.com"],
    "ExposeHeaders": ["x-trace"],
    "MaxAge": 600,
}


def url_id(url: str, endpoint: str) -> str:
    """The URL id of ``url``, after checking the URL has AWS's form on the port used."""
    port = urlsplit(endpoint).port
    found = re.fullmatch(rf"http://([a-z0-9]{{32}})\.lambda-url\.us-east-1\.localhost:{port}/", url)
    assert found, url
    return found.group(1)


def with_alias(lam: Any, name: str, alias: str = "live") -> str:
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
    return alias


def test_lifecycle_keeps_one_url(
    lam: Any, server: LambdaliteServer, function: Callable[..., str]
) -> None:
    name = function()
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == arn(name)
    assert {"InvokeMode", "Cors", "LastModifiedTime"}.isdisjoint(created)
    first = url_id(created["FunctionUrl"], server.endpoint)

    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM"
    assert updated["CreationTime"] == created["CreationTime"]
    assert updated["LastModifiedTime"] >= created["CreationTime"]
    fetched = lam.get_function_url_config(FunctionName=arn(name))
    assert fetched["InvokeMode"] == "BUFFERED"
    assert url_id(fetched["FunctionUrl"], server.endpoint) == first

    deleted = lam.delete_function_url_config(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    again = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert url_id(again["FunctionUrl"], server.endpoint) != first  # a new URL, as in AWS


def test_cors_and_invoke_mode_are_kept_and_echoed(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    created = lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", Cors=CORS, InvokeMode="RESPONSE_STREAM"
    )
    assert created["Cors"] == CORS
    assert created["InvokeMode"] == "RESPONSE_STREAM"
    assert lam.get_function_url_config(FunctionName=name)["Cors"] == CORS

    narrower = {"AllowOrigins": ["*"]}
    updated = lam.update_function_url_config(FunctionName=name, Cors=narrower)
    assert updated["Cors"] == narrower
    assert updated["AuthType"] == "NONE"
    assert updated["InvokeMode"] == "RESPONSE_STREAM"


def test_model_constraints_answer_validation_errors(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    code, message, status = error(
        lambda: lam.create_function_url_config(FunctionName=name, AuthType="OPEN")
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value 'OPEN' at 'authType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [NONE, AWS_IAM]"
    )
    code, message, _ = error(
        lambda: lam.create_function_url_config(
            FunctionName=name, AuthType="NONE", Cors={"MaxAge": 86401}
        )
    )
    assert code == "ValidationException"
    assert "at 'cors.maxAge' failed to satisfy constraint" in message


@pytest.mark.parametrize("qualifier", ["1", "$LATEST"])
def test_versions_and_latest_are_not_qualifiers(
    lam: Any, function: Callable[..., str], qualifier: str
) -> None:
    name = function()
    for call in (
        lambda: lam.create_function_url_config(
            FunctionName=name, Qualifier=qualifier, AuthType="NONE"
        ),
        lambda: lam.get_function_url_config(FunctionName=name, Qualifier=qualifier),
        lambda: lam.delete_function_url_config(FunctionName=name, Qualifier=qualifier),
    ):
        assert error(call) == (
            "ValidationException",
            f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            r"((?!^\d+$)^[0-9a-zA-Z-_]+$)",
            400,
        )


def test_missing_function_and_config_errors(lam: Any, function: Callable[..., str]) -> None:
    gone = "no-such-url-fn"
    missing_function = ("ResourceNotFoundException", "Function does not exist", 404)
    not_exist = ("ResourceNotFoundException", NOT_EXIST, 404)
    create = lam.create_function_url_config
    assert error(lambda: create(FunctionName=gone, AuthType="NONE")) == missing_function
    assert error(lambda: create(FunctionName=arn(gone), AuthType="NONE")) == missing_function
    assert error(lambda: lam.get_function_url_config(FunctionName=gone)) == not_exist
    assert error(lambda: lam.delete_function_url_config(FunctionName=gone)) == not_exist
    update = lam.update_function_url_config
    assert error(lambda: update(FunctionName=gone, AuthType="NONE")) == missing_function
    assert error(lambda: lam.list_function_url_configs(FunctionName=gone)) == missing_function

    name = function()
    assert error(lambda: lam.get_function_url_config(FunctionName=name)) == not_exist
    assert error(lambda: lam.delete_function_url_config(FunctionName=name)) == not_exist
    assert error(lambda: update(FunctionName=name, AuthType="NONE")) == not_exist
    assert lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []


def test_alias_urls(lam: Any, server: LambdaliteServer, function: Callable[..., str]) -> None:
    name = function()
    alias = with_alias(lam, name)
    latest = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    aliased = lam.create_function_url_config(FunctionName=name, Qualifier=alias, AuthType="NONE")
    assert aliased["FunctionArn"] == arn(name, alias)
    assert url_id(aliased["FunctionUrl"], server.endpoint) != url_id(
        latest["FunctionUrl"], server.endpoint
    )
    conflict = error(
        lambda: lam.create_function_url_config(FunctionName=f"{name}:{alias}", AuthType="NONE")
    )
    assert conflict == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {arn(name, alias)}]. "
        "Error message:  FunctionUrlConfig exists for this Lambda function",
        409,
    )
    fetched = lam.get_function_url_config(FunctionName=name, Qualifier=alias)
    assert fetched["FunctionUrl"] == aliased["FunctionUrl"]

    missing_alias = ("ResourceNotFoundException", "Function does not exist", 404)
    create, update = lam.create_function_url_config, lam.update_function_url_config
    assert error(lambda: create(FunctionName=name, Qualifier="nope", AuthType="NONE")) == (
        missing_alias
    )
    assert error(lambda: update(FunctionName=name, Qualifier="nope")) == missing_alias
    get = lam.get_function_url_config
    assert error(lambda: get(FunctionName=name, Qualifier="nope")) == (
        "ResourceNotFoundException",
        NOT_EXIST,
        404,
    )


def test_list_pages_through_every_config(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    aliases = [with_alias(lam, name, "blue")]
    lam.create_alias(FunctionName=name, Name="green", FunctionVersion="1")
    aliases.append("green")
    lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    for alias in aliases:
        lam.create_function_url_config(FunctionName=name, Qualifier=alias, AuthType="AWS_IAM")

    everything = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionArn"] for c in everything] == [
        arn(name),
        arn(name, "blue"),
        arn(name, "green"),
    ]
    assert all(c["InvokeMode"] == "BUFFERED" and "LastModifiedTime" in c for c in everything)
    pages = lam.get_paginator("list_function_url_configs").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 1}
    )
    paged = [c for result in pages for c in result["FunctionUrlConfigs"]]
    assert paged == everything


def test_deleting_the_function_deletes_its_urls(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    lam.delete_function(FunctionName=name)
    function(FunctionName=name)
    assert error(lambda: lam.get_function_url_config(FunctionName=name)) == (
        "ResourceNotFoundException",
        NOT_EXIST,
        404,
    )


def test_url_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as first:
        lam = make_client(first.endpoint, "lambda")
        lam.create_function(
            FunctionName="restart-url",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
        )
        created = lam.create_function_url_config(FunctionName="restart-url", AuthType="NONE")
        before = url_id(created["FunctionUrl"], first.endpoint)
        first.stop()
    with running_server(data) as second:
        lam = make_client(second.endpoint, "lambda")
        fetched = lam.get_function_url_config(FunctionName="restart-url")
        assert url_id(fetched["FunctionUrl"], second.endpoint) == before
        assert fetched["CreationTime"] == created["CreationTime"]


# --- the lookup the URL server uses ------------------------------------------------------------


def targets(data_dir: Path, *url_ids: str) -> list[UrlTarget | None]:
    """What each URL id resolves to, read by a provider over ``data_dir`` (no server running)."""
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings.database_url, settings.durability)
    try:
        provider = LambdaProvider(Platform.build(settings, store))

        async def resolve() -> list[UrlTarget | None]:
            return [await provider.url_target(each) for each in url_ids]

        return asyncio.run(resolve())
    finally:
        store.close()


def test_url_ids_resolve_to_their_function(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server:
        lam = make_client(server.endpoint, "lambda")
        lam.create_function(
            FunctionName="routed",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
            Publish=True,
        )
        lam.create_alias(FunctionName="routed", Name="live", FunctionVersion="1")
        urls = [
            lam.create_function_url_config(FunctionName="routed", AuthType="NONE"),
            lam.create_function_url_config(
                FunctionName="routed", Qualifier="live", AuthType="NONE"
            ),
        ]
        ids = [url_id(created["FunctionUrl"], server.endpoint) for created in urls]
        server.stop()
    assert targets(data, *ids, "a" * 32) == [
        UrlTarget(ACCOUNT, "us-east-1", "routed", None),
        UrlTarget(ACCOUNT, "us-east-1", "routed", "live"),
        None,
    ]

    with running_server(data) as server:
        lam = make_client(server.endpoint, "lambda")
        lam.delete_function_url_config(FunctionName="routed", Qualifier="live")
        server.stop()
    assert targets(data, *ids)[1] is None


def test_deleting_the_function_drops_its_url_ids(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server:
        lam = make_client(server.endpoint, "lambda")
        lam.create_function(
            FunctionName="dropped",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
        )
        created = lam.create_function_url_config(FunctionName="dropped", AuthType="NONE")
        lam.delete_function(FunctionName="dropped")
        dropped = url_id(created["FunctionUrl"], server.endpoint)
        server.stop()
    assert targets(data, dropped) == [None]
