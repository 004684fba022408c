"""Authorizers: CreateAuthorizer, GetAuthorizer, GetAuthorizers, UpdateAuthorizer,
DeleteAuthorizer.

HTTP APIs have JWT authorizers (JwtConfiguration with Issuer and Audience; one identity source
in a header or the query string) and Lambda ``REQUEST`` authorizers (AuthorizerUri, payload
format 1.0 or 2.0, simple responses only with 2.0, results cached up to 3600 s keyed by the
identity sources), per the HTTP API access-control guide and the CreateAuthorizer reference.
Messages are unverified against AWS: no public recording of them was found.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.base import (
    SHORT_ID_LENGTH,
    ApiGatewayV2Base,
    Params,
    State,
    existing_child,
    new_id,
    paginate,
    public,
    refuse_if_routed,
)
from lambdalite.services.apigatewayv2.errors import BadRequest
from lambdalite.services.apigatewayv2.validation import check_identity_source

_SETTABLE = (
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerType",
    "AuthorizerUri",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
    "Name",
)
MAX_TTL_SECONDS = 3600


class AuthorizerOperations(ApiGatewayV2Base):
    async def create_authorizer(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> Params:
            authorizer: Params = {"AuthorizerId": new_id(SHORT_ID_LENGTH)}
            authorizer.update({k: request[k] for k in _SETTABLE if k in request})
            check_authorizer(authorizer)
            state["Authorizers"][authorizer["AuthorizerId"]] = authorizer
            return authorizer

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def get_authorizer(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return public(existing_authorizer(state, request["AuthorizerId"]))

    async def get_authorizers(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return paginate(list(state["Authorizers"].values()), request, "AuthorizerId")

    async def update_authorizer(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> Params:
            authorizer = existing_authorizer(state, request["AuthorizerId"])
            authorizer.update({k: request[k] for k in _SETTABLE if k in request})
            check_authorizer(authorizer)
            return authorizer

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def delete_authorizer(self, ctx: RequestContext, request: Params) -> Params:
        authorizer_id = request["AuthorizerId"]

        def mutate(conn: Connection, state: State) -> None:
            existing_authorizer(state, authorizer_id)
            refuse_if_routed(
                state, "Authorizer", authorizer_id, lambda r: r.get("AuthorizerId") == authorizer_id
            )
            del state["Authorizers"][authorizer_id]

        await self.change(ctx, request["ApiId"], mutate)
        return {}


def existing_authorizer(state: State, authorizer_id: str) -> Params:
    return existing_child(state, "Authorizers", authorizer_id)


def check_authorizer(authorizer: Params) -> None:
    check_identity_source(authorizer.get("IdentitySource") or [])
    if authorizer["AuthorizerType"] == "JWT":
        _check_jwt(authorizer)
    else:
        _check_request(authorizer)


def _check_jwt(authorizer: Params) -> None:
    jwt = authorizer.get("JwtConfiguration") or {}
    if not jwt.get("Issuer") or not jwt.get("Audience"):
        raise BadRequest("JwtConfiguration with an Issuer and an Audience is required.")
    if not jwt["Issuer"].startswith(("https://", "http://")):
        raise BadRequest(f"Invalid issuer URL specified: {jwt['Issuer']}")
    sources = authorizer.get("IdentitySource") or []
    if len(sources) != 1 or not sources[0].startswith(("$request.header.", "$request.query")):
        raise BadRequest("A JWT authorizer takes one identity source: a header or a query.")
    for member in ("AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses"):
        if member in authorizer:
            raise BadRequest(f"{member} does not apply to JWT authorizers.")


def _check_request(authorizer: Params) -> None:
    if not authorizer.get("AuthorizerUri"):
        raise BadRequest("AuthorizerUri is required for REQUEST authorizers.")
    version = authorizer.get("AuthorizerPayloadFormatVersion")
    if version not in ("1.0", "2.0"):
        raise BadRequest("AuthorizerPayloadFormatVersion must be one of [1.0, 2.0].")
    if authorizer.get("EnableSimpleResponses") and version != "2.0":
        raise BadRequest("Simple responses require AuthorizerPayloadFormatVersion 2.0.")
    ttl = authorizer.setdefault("AuthorizerResultTtlInSeconds", 0)
    if not 0 <= ttl <= MAX_TTL_SECONDS:
        raise BadRequest("AuthorizerResultTtlInSeconds must be between 0 and 3600.")
    if ttl and not authorizer.get("IdentitySource"):
        raise BadRequest("Identity sources are required when authorizer caching is enabled.")
    if "JwtConfiguration" in authorizer:
        raise BadRequest("JwtConfiguration applies to JWT authorizers only.")
