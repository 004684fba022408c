"""Function URL configs: one per function ($LATEST) and one per alias, each with its own URL.

A config's URL id (32 lowercase letters and digits, as AWS's are) is drawn once at creation
and kept for the config's life, across restarts. It is stored twice in one store transaction:
in the config (kind ``lambda.url-config``, key ``<function>:<alias or "">``) and in a lookup
record keyed by the id itself (kind ``lambda.url-id``) so that a request for
``<url-id>.lambda-url.<region>.localhost`` finds its function without knowing the account.

The URL's port is the one the client reached, so ``FunctionUrl`` is rendered per request from
the ``Host`` header rather than stored.

Errors are worded as AWS words them; where the recordings (aws-recorded/35) do not show one,
the wording is that of LocalStack's AWS-validated provider
(localstack-core/localstack/services/lambda_/provider.py, function URL section), whose
snapshot tests run against real AWS.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    ResourceConflict,
    ResourceNotFound,
    resource_not_found,
)
from lambdalite.services.lambda_.models import Kind, scoped_key
from lambdalite.store import Record, Repository, Scope

#: Where ``Kind.URL_ID`` records (URL id -> function) live: URL ids are unique across accounts
#: and regions (as AWS's are) and a URL names no account, so one namespace serves them all.
URL_ID_SCOPE = Scope("", "")

_URL_ID_ALPHABET = string.ascii_lowercase + string.digits
_URL_ID_LENGTH = 32
_DEFAULT_INVOKE_MODE = "BUFFERED"
# The members a config holds as the client set them.
_SETTINGS = ("AuthType", "Cors", "InvokeMode")


@dataclass(frozen=True, slots=True)
class UrlTarget:
    """What a function URL invokes: a function's $LATEST (``qualifier`` None) or an alias."""

    account: str
    region: str
    function: str
    qualifier: str | None


class UrlConfigOperations(LambdaBase):
    """Create/Get/Update/Delete/ListFunctionUrlConfig(s)."""

    @property
    def url_configs(self) -> Repository:
        return self.repository(Kind.URL_CONFIG)

    @property
    def url_ids(self) -> Repository:
        return self.repository(Kind.URL_ID)

    async def create_function_url_config(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        now = _timestamp()
        data: dict[str, Any] = {
            "url_id": new_url_id(),
            "FunctionArn": ref.arn,
            **{member: request[member] for member in _SETTINGS if member in request},
            "CreationTime": now,
            "LastModifiedTime": now,
        }
        scope = self.scope(ctx)
        await self.platform.store.write(lambda conn: self._url_create_in(conn, scope, ref, data))
        return self._url_created(ctx, data)

    def _url_create_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, data: dict[str, Any]
    ) -> None:
        if self.functions.get_in(conn, scope, ref.name) is None:
            raise _function_does_not_exist()
        existing = self.url_configs.get_in(conn, scope, _key(ref))
        if existing is not None:
            raise ResourceConflict(
                "Failed to create function url config for [functionArn = "
                f"{existing.data['FunctionArn']}]. Error message:  "
                "FunctionUrlConfig exists for this Lambda function"
            )
        self._url_require_alias_in(conn, scope, ref)
        self.url_configs.put_in(conn, scope, _key(ref), data, create_only=True)
        target = UrlTarget(scope.account, scope.region, ref.name, ref.qualifier)
        self.url_ids.put_in(conn, URL_ID_SCOPE, data["url_id"], asdict(target), create_only=True)

    async def get_function_url_config(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        config = await self.url_configs.get(self.scope(ctx), _key(ref))
        if config is None:
            raise resource_not_found()
        return self._url_described(ctx, config.data)

    async def update_function_url_config(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        changes = {member: request[member] for member in _SETTINGS if member in request}
        changes["LastModifiedTime"] = _timestamp()
        scope = self.scope(ctx)
        data = await self.platform.store.write(
            lambda conn: self._url_update_in(conn, scope, ref, changes)
        )
        return self._url_updated(ctx, data)

    def _url_update_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if self.functions.get_in(conn, scope, ref.name) is None:
            raise _function_does_not_exist()
        self._url_require_alias_in(conn, scope, ref)
        config = self.url_configs.get_in(conn, scope, _key(ref))
        if config is None:
            raise resource_not_found()
        data = {**config.data, **changes}
        self.url_configs.put_in(conn, scope, config.key, data, expect_version=config.version)
        return data

    async def delete_function_url_config(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        scope = self.scope(ctx)

        def job(conn: Connection) -> None:
            if not delete_url_config_in(self, conn, scope, ref.name, ref.qualifier):
                raise resource_not_found()

        await self.platform.store.write(job)
        return {}

    async def list_function_url_configs(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        scope = self.scope(ctx)
        if await self.functions.get(scope, ref.name) is None:
            raise _function_does_not_exist()
        # Imported here: functions.py imports this module's helpers for DeleteFunction.
        from lambdalite.services.lambda_.paging import page

        configs = await self.url_configs.list(scope, prefix=scoped_key(ref.name))
        entries = [(config.key, self._url_described(ctx, config.data)) for config in configs]
        return page(entries, request.get("Marker"), request.get("MaxItems"), "FunctionUrlConfigs")

    async def url_target(self, url_id: str) -> UrlTarget | None:
        """The function (and alias) the URL with id ``url_id`` invokes, or None."""
        record = await self.url_ids.get(URL_ID_SCOPE, url_id)
        return None if record is None else UrlTarget(**record.data)

    def _url_require_alias_in(self, conn: Connection, scope: Scope, ref: FunctionRef) -> None:
        if ref.qualifier is None:
            return
        alias = self.repository(Kind.ALIAS).get_in(conn, scope, _key(ref))
        if alias is None:
            raise _function_does_not_exist()

    # --- responses: each operation answers its own subset, as AWS does -----------------------

    def _url_created(self, ctx: RequestContext, data: dict[str, Any]) -> Params:
        # InvokeMode and Cors only when the request set them (aws-recorded/35 url_creation).
        return self._url_common(ctx, data)

    def _url_updated(self, ctx: RequestContext, data: dict[str, Any]) -> Params:
        # aws-recorded/35 updated_url_config: LastModifiedTime, no InvokeMode unless set.
        return {**self._url_common(ctx, data), "LastModifiedTime": data["LastModifiedTime"]}

    def _url_described(self, ctx: RequestContext, data: dict[str, Any]) -> Params:
        # aws-recorded/35 get_url_config: InvokeMode defaults to BUFFERED.
        described = self._url_updated(ctx, data)
        described.setdefault("InvokeMode", _DEFAULT_INVOKE_MODE)
        return described

    def _url_common(self, ctx: RequestContext, data: dict[str, Any]) -> Params:
        response: Params = {
            "FunctionUrl": function_url(ctx, data["url_id"]),
            "FunctionArn": data["FunctionArn"],
            "CreationTime": data["CreationTime"],
        }
        response.update({member: data[member] for member in _SETTINGS if member in data})
        return response


# --- helpers the rest of the provider uses --------------------------------------------------


def delete_url_config_in(
    lam: LambdaBase, conn: Connection, scope: Scope, name: str, qualifier: str | None
) -> bool:
    """Delete the URL config of ``name`` ($LATEST, or the alias ``qualifier``) and its URL id.

    For DeleteAlias: an alias's function URL goes with the alias. False if there was none.
    """
    configs = lam.repository(Kind.URL_CONFIG)
    key = scoped_key(name, qualifier or "")
    config = configs.get_in(conn, scope, key)
    if config is None:
        return False
    _delete_config_in(lam, conn, scope, config)
    return True


def delete_function_urls_in(lam: LambdaBase, conn: Connection, scope: Scope, name: str) -> None:
    """Delete every URL config of the function ``name`` and their URL ids (for DeleteFunction)."""
    configs = lam.repository(Kind.URL_CONFIG)
    for config in configs.list_in(conn, scope, prefix=scoped_key(name)):
        _delete_config_in(lam, conn, scope, config)


def _delete_config_in(lam: LambdaBase, conn: Connection, scope: Scope, config: Record) -> None:
    lam.repository(Kind.URL_CONFIG).delete_in(conn, scope, config.key)
    lam.repository(Kind.URL_ID).delete_in(conn, URL_ID_SCOPE, config.data["url_id"])


def new_url_id() -> str:
    """A fresh URL id: 32 lowercase letters and digits (about 165 random bits)."""
    return "".join(secrets.choice(_URL_ID_ALPHABET) for _ in range(_URL_ID_LENGTH))


def function_url(ctx: RequestContext, url_id: str) -> str:
    """``http(s)://<url-id>.lambda-url.<region>.localhost[:<port>]/``, with the scheme and
    port the client used (https under ``lambdalite up --tls``)."""
    try:
        port = urlsplit(f"//{ctx.request.headers.get('host', '')}").port
    except ValueError:  # not a number: the client cannot have reached us through it
        port = None
    suffix = f":{port}" if port is not None else ""
    scheme = "https" if ctx.request.scheme == "https" else "http"
    return f"{scheme}://{url_id}.lambda-url.{ctx.region}.localhost{suffix}/"


def _key(ref: FunctionRef) -> str:
    return scoped_key(ref.name, ref.qualifier or "")


def _timestamp() -> str:
    """ISO-8601 with microseconds and ``Z``, as AWS answers URL config times."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _function_does_not_exist() -> ResourceNotFound:
    return ResourceNotFound("Function does not exist")
