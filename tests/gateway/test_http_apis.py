"""HTTP APIs (API Gateway v2) over real HTTP against a live server: payload 2.0 and 1.0 events,
routing and stages, errors, HTTP proxy, and IAM, JWT and Lambda authorizers, CORS."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .apis import ApiEndpoint, local_server
from .urls import function

RECORDED = (
    Path(__file__).parents[1] / "fixtures" / "aws-recorded" / "37_apigw_rest_proxy_event.json"
)

# Echoes its event (1.0 and 2.0 alike need a statusCode for that), or misbehaves on order.
MIRROR = """
import json
import time


def handler(event, context):
    headers = event.get("headers") or {}
    order = headers.get("x-order", "echo")
    if order == "sleep":
        time.sleep(1.5)
    if order == "raise":
        raise ValueError("boom")
    if order == "malformed":
        return {"statusCode": "teapot"}
    if order == "plain":
        return {"hello": "world"}
    return {"statusCode": 200, "headers": {"x-mirror": "yes"}, "body": json.dumps(event)}
"""

# A simple-response authorizer: allows the token "allow"; a fresh id per run shows caching.
SIMPLE_AUTHORIZER = """
import uuid


def handler(event, context):
    token = event["identitySource"][0]
    return {"isAuthorized": token == "allow", "context": {"run": str(uuid.uuid4()), "who": token}}
"""

# An IAM-policy authorizer (payload 1.0): allows the token "allow" on the route's ARN.
POLICY_AUTHORIZER = """
def handler(event, context):
    effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    return {
        "principalId": "me",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {"kind": "policy", "type": event["type"], "version": event["version"]},
    }
"""

ISSUER_AUDIENCE = "lambdalite-tests"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("apis") / "data") as started:
        yield started


@pytest.fixture(scope="module")
def port(server: LambdaliteServer) -> int:
    return int(server.endpoint.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda")


@pytest.fixture(scope="module")
def apigw(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "apigatewayv2")


@pytest.fixture(scope="module")
def functions(lam: Any) -> dict[str, str]:
    """The ARNs of the test functions."""
    sources = {
        "api-mirror": MIRROR,
        "api-simple-auth": SIMPLE_AUTHORIZER,
        "api-policy-auth": POLICY_AUTHORIZER,
    }
    return {name: function(lam, name, source) for name, source in sources.items()}


@pytest.fixture(scope="module")
def quick(apigw: Any, functions: dict[str, str], port: int) -> ApiEndpoint:
    """Quick create: a $default route to the mirror (payload 2.0) on the $default stage."""
    api = apigw.create_api(Name="quick", ProtocolType="HTTP", Target=functions["api-mirror"])
    assert api["ApiEndpoint"] == f"http://{api['ApiId']}.execute-api.localhost:{port}"
    return ApiEndpoint(api["ApiId"], port)


@pytest.fixture(scope="module")
def keys() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "test-key"})


@pytest.fixture(scope="module")
def issuer(keys: RSAKey) -> Iterator[str]:
    """A local OpenID provider: discovery document and JWKS."""
    public = KeySet([keys]).as_dict(private=False)
    where: dict[str, str] = {}

    def answer(
        handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if handler.path == "/.well-known/openid-configuration":
            document = {"issuer": where["issuer"], "jwks_uri": where["issuer"] + "/jwks.json"}
            return 200, [("Content-Type", "application/json")], json.dumps(document).encode()
        if handler.path == "/jwks.json":
            return 200, [("Content-Type", "application/json")], json.dumps(public).encode()
        return 404, [], b""

    with local_server(answer) as jwks_port:
        where["issuer"] = f"http://127.0.0.1:{jwks_port}"
        yield where["issuer"]


@pytest.fixture(scope="module")
def upstream() -> Iterator[int]:
    """An HTTP server that echoes what it received, for HTTP_PROXY integrations."""

    def answer(
        handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        echoed = {
            "method": handler.command,
            "path": handler.path,
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "body": body.decode(),
        }
        return (
            207,
            [("Content-Type", "application/json"), ("X-Upstream", "1")],
            json.dumps(echoed).encode(),
        )

    with local_server(answer) as upstream_port:
        yield upstream_port


@pytest.fixture(scope="module")
def full(
    apigw: Any, functions: dict[str, str], port: int, issuer: str, upstream: int
) -> ApiEndpoint:
    """A full create: routes of every kind on a named stage ``dev`` with stage variables."""
    api_id = apigw.create_api(
        Name="full",
        ProtocolType="HTTP",
        CorsConfiguration={
            "AllowOrigins": ["https://app.example"],
            "AllowMethods": ["GET", "PUT"],
            "MaxAge": 60,
        },
    )["ApiId"]
    v2 = _lambda(apigw, api_id, functions["api-mirror"], "2.0")
    v1 = _lambda(apigw, api_id, functions["api-mirror"], "1.0")
    slow = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=functions["api-mirror"],
        PayloadFormatVersion="2.0",
        TimeoutInMillis=300,
    )["IntegrationId"]
    proxy = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="ANY",
        IntegrationUri=f"http://127.0.0.1:{upstream}/up/{{proxy}}",
        PayloadFormatVersion="1.0",
    )["IntegrationId"]
    jwt_id = apigw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer, "Audience": [ISSUER_AUDIENCE]},
    )["AuthorizerId"]
    simple_id = _lambda_authorizer(apigw, api_id, functions["api-simple-auth"], "2.0", True)
    policy_id = _lambda_authorizer(apigw, api_id, functions["api-policy-auth"], "1.0", False)
    routes: list[dict[str, Any]] = [
        {"RouteKey": "GET /pets/{id}", "Target": v2},
        {"RouteKey": "GET /pets/dog", "Target": v2},
        {"RouteKey": "ANY /files/{proxy+}", "Target": v1},
        {"RouteKey": "ANY /proxy/{proxy+}", "Target": proxy},
        {"RouteKey": "GET /slow", "Target": slow},
        {"RouteKey": "GET /iam", "Target": v2, "AuthorizationType": "AWS_IAM"},
        {"RouteKey": "GET /jwt", "Target": v2, "AuthorizationType": "JWT", "AuthorizerId": jwt_id},
        {
            "RouteKey": "GET /jwt-scoped",
            "Target": v2,
            "AuthorizationType": "JWT",
            "AuthorizerId": jwt_id,
            "AuthorizationScopes": ["pets:read"],
        },
        {
            "RouteKey": "GET /simple",
            "Target": v2,
            "AuthorizationType": "CUSTOM",
            "AuthorizerId": simple_id,
        },
        {
            "RouteKey": "GET /policy",
            "Target": v1,
            "AuthorizationType": "CUSTOM",
            "AuthorizerId": policy_id,
        },
    ]
    for route in routes:
        route["Target"] = f"integrations/{route['Target']}"
        apigw.create_route(ApiId=api_id, **route)
    apigw.create_stage(
        ApiId=api_id, StageName="dev", AutoDeploy=True, StageVariables={"color": "blue"}
    )
    return ApiEndpoint(api_id, port)


def _lambda(apigw: Any, api_id: str, arn: str, version: str) -> str:
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion=version
    )
    return str(integration["IntegrationId"])


def _lambda_authorizer(apigw: Any, api_id: str, arn: str, version: str, simple: bool) -> str:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    extra = {"EnableSimpleResponses": True} if simple else {}
    return str(
        apigw.create_authorizer(
            ApiId=api_id,
            AuthorizerType="REQUEST",
            Name=f"auth-{version}",
            AuthorizerUri=uri,
            AuthorizerPayloadFormatVersion=version,
            IdentitySource=["$request.header.x-token"],
            AuthorizerResultTtlInSeconds=300,
            **extra,
        )["AuthorizerId"]
    )


def _token(keys: RSAKey, issuer: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": issuer, "aud": ISSUER_AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300}
    body.update(claims)
    return jwt.encode(
        {"alg": "RS256", "kid": "test-key"}, {k: v for k, v in body.items() if v is not None}, keys
    )


# --- payload 2.0 and routing ---------------------------------------------------------------------


def test_quick_create_serves_payload_2_on_default_stage(quick: ApiEndpoint) -> None:
    reply = quick.call("GET", "/any/path?a=1&a=2", headers=[("User-Agent", "t/1")])
    assert reply.status == 200 and reply.header("x-mirror") == "yes"
    event = reply.json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/any/path" and event["queryStringParameters"] == {"a": "1,2"}
    context = event["requestContext"]
    assert context["apiId"] == context["domainPrefix"] == quick.api_id
    assert context["domainName"] == f"{quick.api_id}.execute-api.localhost"
    assert context["stage"] == "$default" and context["routeKey"] == "$default"
    assert context["accountId"] == "000000000000"
    assert context["requestId"] == reply.header("apigw-requestid")
    assert context["http"]["method"] == "GET" and context["http"]["userAgent"] == "t/1"
    assert "pathParameters" not in event and "stageVariables" not in event


def test_inferred_response_and_path_style(quick: ApiEndpoint) -> None:
    reply = quick.call("GET", "/$default/x", headers=[("x-order", "plain")], path_style=True)
    assert reply.status == 200 and reply.json() == {"hello": "world"}
    assert reply.header("content-type") == "application/json"


def test_named_stage_path_parameters_and_stage_variables(full: ApiEndpoint) -> None:
    event = full.event("/dev/pets/7")
    assert event["routeKey"] == "GET /pets/{id}" and event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["rawPath"] == "/dev/pets/7" and event["requestContext"]["stage"] == "dev"
    assert full.event("/dev/pets/dog")["routeKey"] == "GET /pets/dog"  # literal beats {id}
    assert full.event("/dev/pets/7", path_style=True)["pathParameters"] == {"id": "7"}


def test_unmatched_routes_stages_and_apis_are_404(full: ApiEndpoint, port: int) -> None:
    for reply in (
        full.call("GET", "/dev/nothing"),
        full.call("POST", "/dev/pets/7"),
        full.call("GET", "/prod/pets/7"),  # no such stage, and no $default stage
        ApiEndpoint("nosuchapi1", port).call("GET", "/"),
    ):
        assert reply.status == 404 and reply.json() == {"message": "Not Found"}


def test_lambda_errors_are_500(full: ApiEndpoint, quick: ApiEndpoint) -> None:
    expected = {"message": "Internal Server Error"}
    for reply in (
        quick.call("GET", "/", headers=[("x-order", "raise")]),
        quick.call("GET", "/", headers=[("x-order", "malformed")]),
        full.call("GET", "/dev/files/a", headers=[("x-order", "plain")]),  # 1.0 needs statusCode
    ):
        assert reply.status == 500 and reply.json() == expected


def test_integration_timeout_is_503(full: ApiEndpoint) -> None:
    reply = full.call("GET", "/dev/slow", headers=[("x-order", "sleep")])
    assert (reply.status, reply.json()) == (503, {"message": "Service Unavailable"})


# --- payload 1.0 -----------------------------------------------------------------------------------


def test_payload_1_event_matches_the_recorded_shape(full: ApiEndpoint) -> None:
    headers = [("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "t/1")]
    event = full.event("/dev/files/a/b.txt?q=1&q=2", headers=headers, method="PUT", body=b"hi")
    recorded = json.loads(RECORDED.read_text())["snapshots"][0]["recorded_content"]
    shape = recorded["invocation-payload-without-trailing-slash"]
    # HTTP APIs add "version"; the rest of the top level is the REST event's.
    assert set(event) == set(shape) | {"version"} and event["version"] == "1.0"
    # HTTP APIs have no deployments in the event (REST's deploymentId); the rest is shared.
    assert set(event["requestContext"]) | {"deploymentId"} == set(shape["requestContext"]) | {
        "authorizer"
    }
    assert set(event["requestContext"]["identity"]) == set(shape["requestContext"]["identity"])
    assert event["resource"] == "/files/{proxy+}" and event["pathParameters"] == {
        "proxy": "a/b.txt"
    }
    assert event["httpMethod"] == "PUT" and event["path"] == "/dev/files/a/b.txt"
    assert event["headers"]["x-multi"] == "two" and event["multiValueHeaders"]["x-multi"] == [
        "one",
        "two",
    ]
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["body"] == "aGk=" and event["isBase64Encoded"] is True  # no content type
    context = event["requestContext"]
    assert context["resourcePath"] == "/files/{proxy+}" and context["resourceId"] is None
    assert (
        context["identity"]["userAgent"] == "t/1" and context["identity"]["sourceIp"] == "127.0.0.1"
    )
    assert context["authorizer"] == {"claims": None, "scopes": None}
    assert event["stageVariables"] == {"color": "blue"}


# --- HTTP proxy ------------------------------------------------------------------------------------


def test_http_proxy_forwards_and_relays(full: ApiEndpoint) -> None:
    reply = full.call("POST", "/dev/proxy/x/y?k=v", body=b"payload", headers=[("X-Custom", "c")])
    assert reply.status == 207 and reply.header("x-upstream") == "1"
    seen = reply.json()
    assert seen["method"] == "POST" and seen["path"] == "/up/x/y?k=v" and seen["body"] == "payload"
    assert seen["headers"]["x-custom"] == "c" and seen["headers"]["x-forwarded-for"] == "127.0.0.1"


# --- authorization ---------------------------------------------------------------------------------


def test_iam_route(full: ApiEndpoint) -> None:
    assert full.call("GET", "/dev/iam").json() == {"message": "Forbidden"}
    assert full.call("GET", "/dev/iam").status == 403
    assert full.signed_call("GET", "/dev/iam", service="lambda").status == 403
    reply = full.signed_call("GET", "/dev/iam")
    assert reply.status == 200, reply
    iam = reply.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "test" and iam["accountId"] == "000000000000"


def test_jwt_accepts_valid_tokens(full: ApiEndpoint, keys: RSAKey, issuer: str) -> None:
    token = _token(keys, issuer, scope="pets:read other")
    reply = full.call("GET", "/dev/jwt", headers=[("Authorization", f"Bearer {token}")])
    assert reply.status == 200, reply
    authorizer = reply.json()["requestContext"]["authorizer"]["jwt"]
    assert (
        authorizer["claims"]["sub"] == "user-1" and authorizer["claims"]["aud"] == ISSUER_AUDIENCE
    )
    assert isinstance(authorizer["claims"]["exp"], str)
    assert authorizer["scopes"] == ["pets:read", "other"]
    scoped = full.call("GET", "/dev/jwt-scoped", headers=[("Authorization", token)])
    assert scoped.status == 200


def test_jwt_rejects_bad_tokens(full: ApiEndpoint, keys: RSAKey, issuer: str) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    bad = {
        "missing": None,
        "audience": _token(keys, issuer, aud="someone-else"),
        "issuer": _token(keys, issuer + "/other"),
        "expired": _token(keys, issuer, exp=int(time.time()) - 10),
        "signature": _token(other, issuer),
        "garbage": "not.a.token",
    }
    for why, token in bad.items():
        headers = [] if token is None else [("Authorization", f"Bearer {token}")]
        reply = full.call("GET", "/dev/jwt", headers=headers)
        assert (reply.status, reply.json()) == (401, {"message": "Unauthorized"}), why
    unscoped = full.call(
        "GET", "/dev/jwt-scoped", headers=[("Authorization", _token(keys, issuer))]
    )
    assert (unscoped.status, unscoped.json()) == (403, {"message": "Forbidden"})


def test_simple_lambda_authorizer_allows_denies_and_caches(full: ApiEndpoint) -> None:
    assert full.call("GET", "/dev/simple").status == 401
    denied = full.call("GET", "/dev/simple", headers=[("x-token", "deny")])
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})
    first = full.call("GET", "/dev/simple", headers=[("x-token", "allow")])
    assert first.status == 200, first
    context = first.json()["requestContext"]["authorizer"]["lambda"]
    assert context["who"] == "allow"
    again = full.call("GET", "/dev/simple", headers=[("x-token", "allow")])
    assert again.json()["requestContext"]["authorizer"]["lambda"] == context  # cached


def test_policy_lambda_authorizer_with_payload_1(full: ApiEndpoint) -> None:
    denied = full.call("GET", "/dev/policy", headers=[("x-token", "nope")])
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})
    reply = full.call("GET", "/dev/policy", headers=[("x-token", "allow")])
    assert reply.status == 200, reply
    authorizer = reply.json()["requestContext"]["authorizer"]
    assert authorizer == {"lambda": {"kind": "policy", "type": "REQUEST", "version": "1.0"}}


# --- CORS ------------------------------------------------------------------------------------------


def test_cors_preflight_and_headers(full: ApiEndpoint) -> None:
    preflight = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "PUT")]
    reply = full.call("OPTIONS", "/dev/anything", headers=preflight)
    assert reply.status == 200 and reply.body == b""
    assert reply.header("access-control-allow-origin") == "https://app.example"
    assert reply.header("access-control-allow-methods") == "GET,PUT"
    assert reply.header("access-control-max-age") == "60"
    simple = full.call("GET", "/dev/pets/1", headers=[("Origin", "https://app.example")])
    assert simple.header("access-control-allow-origin") == "https://app.example"
    stranger = full.call("GET", "/dev/pets/1", headers=[("Origin", "https://evil.example")])
    assert stranger.status == 200 and stranger.header("access-control-allow-origin") is None


def test_request_ids_are_unique(quick: ApiEndpoint) -> None:
    ids = {quick.call("GET", "/").header("apigw-requestid") for _ in range(3)}
    assert len(ids) == 3 and all(i and len(i) == 16 for i in ids)


def test_route_throttling_answers_429(apigw: Any, functions: dict[str, str], port: int) -> None:
    api = apigw.create_api(Name="throttled", ProtocolType="HTTP", Target=functions["api-mirror"])
    endpoint = ApiEndpoint(api["ApiId"], port)
    # One request of burst, refilled once in 1,000 seconds: the second one is throttled; the
    # route's own settings win over the stage's defaults (which allow plenty).
    apigw.update_stage(
        ApiId=api["ApiId"],
        StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100.0},
        RouteSettings={"$default": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.001}},
    )
    assert endpoint.call("GET", "/").status == 200
    throttled = endpoint.call("GET", "/")
    assert (throttled.status, throttled.json()) == (429, {"message": "Too Many Requests"})
