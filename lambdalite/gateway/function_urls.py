"""The Function URL data plane: an HTTP request to a URL becomes a synchronous invocation.

A request reaches a URL in one of two ways (lambdalite/server.py routes both here):

- by its host, as on AWS: ``http://<url-id>.lambda-url.<region>.localhost:<port>/<path>``
  (``*.localhost`` resolves to the loopback on most systems; any suffix after the region is
  accepted, for setups that map another domain to lambdalite);
- by the path-style fallback, for clients that cannot set a host:
  ``http://localhost:<port>/_aws/lambda-url/<url-id>/<path>``.

Then: the URL id is resolved through the store's cache (invalidated by every config write), an
``InvokeMode`` not built is refused, CORS preflights are answered, ``AWS_IAM`` URLs verify the
SigV4 signature (service ``lambda``), the payload 2.0 event is built (events_v2.py), the
function runs through the Lambda provider's own Invoke, and its result is mapped to the HTTP
response (responses.py) with the URL's CORS headers (cors.py). Errors are AWS's (url_errors.py).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdalite.aws.context import Principal, internal_context
from lambdalite.aws.errors import IncompleteSignature, ServiceError
from lambdalite.aws.gateway import Authentication
from lambdalite.aws.http import HttpRequest, HttpResponse
from lambdalite.aws.sigv4 import Signature, SignatureVerifier, read_signature
from lambdalite.gateway import cors, url_errors
from lambdalite.gateway.events_v2 import InboundRequest, RequestContextV2, build_event
from lambdalite.gateway.responses import MalformedResponse, map_response
from lambdalite.ids import new_uuid
from lambdalite.services.lambda_.models import Kind, scoped_key
from lambdalite.services.lambda_.url_configs import URL_ID_SCOPE, UrlTarget
from lambdalite.services.platform import Platform
from lambdalite.store import Repository, Scope

log = logging.getLogger(__name__)

PATH_PREFIX = "/_aws/lambda-url/"
_HOST = re.compile(r"([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)(?:\.[a-z0-9.-]+)?(?::(\d+))?")
_SKEW_MINUTES = 5  # Lambda is a JSON service: AWS's five-minute window
_STREAM = "RESPONSE_STREAM"
# Set by the front door itself: a client's own values are replaced, not passed on.
FRONT_DOOR_OWNED = frozenset({"x-amzn-trace-id", "x-forwarded-proto", "x-forwarded-port"})


@dataclass(frozen=True, slots=True)
class UrlAddress:
    """Which URL a request is for, and the path its function sees."""

    url_id: str
    region: str | None  # named by the host; None for the path-style fallback
    path: str


@dataclass(frozen=True, slots=True)
class UrlBinding:
    """A URL id resolved: what it invokes and how."""

    url_id: str
    target: UrlTarget
    auth_type: str
    cors: dict[str, Any] | None
    invoke_mode: str

    @property
    def function_arn(self) -> str:
        t = self.target
        return f"arn:aws:lambda:{t.region}:{t.account}:function:{t.function}"


class Refusal(Exception):
    """A request the URL answers itself, without invoking the function."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status)
        self.response = response


def address_of(host: str, raw_path: str) -> UrlAddress | None:
    """The URL a request is addressed to, or None for any other request."""
    found = _HOST.fullmatch(host.lower())
    if found is not None:
        return UrlAddress(found.group(1), found.group(2), raw_path or "/")
    if raw_path.startswith(PATH_PREFIX):
        url_id, _, rest = raw_path[len(PATH_PREFIX) :].partition("/")
        if url_id:
            return UrlAddress(url_id.lower(), None, "/" + rest)
    return None


def rejection(error: ServiceError) -> HttpResponse:
    """A request refused before it was read whole (too large, too slow), as a URL answers."""
    return url_errors.rejected(error.status or 400, error.code, error.message)


class FunctionUrls:
    """Serves every Function URL of the platform."""

    def __init__(self, platform: Platform, auth: Authentication) -> None:
        self._platform = platform
        self._auth = auth
        self._verifier = SignatureVerifier(auth.credentials, auth.clock)
        self._ids = Repository(platform.store, Kind.URL_ID)
        self._configs = Repository(platform.store, Kind.URL_CONFIG)

    async def handle(
        self, address: UrlAddress, request: HttpRequest, scope: Mapping[str, Any]
    ) -> HttpResponse:
        """The response to one request for ``address`` (``scope``: the ASGI connection)."""
        request_id = new_uuid()
        trace_id = new_trace_id()
        try:
            response = await self._serve(address, request, scope, request_id, trace_id)
        except Exception:
            log.exception("function URL %s failed (request %s)", address.url_id, request_id)
            response = url_errors.rejected(500, "InternalFailure", "An internal error occurred.")
        response.headers += [("x-amzn-RequestId", request_id), ("X-Amzn-Trace-Id", trace_id)]
        return response

    async def _serve(
        self,
        address: UrlAddress,
        request: HttpRequest,
        scope: Mapping[str, Any],
        request_id: str,
        trace_id: str,
    ) -> HttpResponse:
        binding = await self.binding(address)
        if binding is None:
            return url_errors.unknown_url()
        if binding.invoke_mode == _STREAM:
            return url_errors.not_supported(f"InvokeMode {_STREAM}")
        if cors.is_preflight(binding.cors, request.method, request.headers):
            return cors.preflight(binding.cors or {}, request.headers)
        try:
            caller = self._authorize(binding, request)
            incoming = inbound_request(request, address.path, scope, trace_id)
            event = build_event(incoming, _context(binding, address, request_id, caller))
            response = await self._invoke(binding, event, request_id)
        except Refusal as refusal:
            response = refusal.response
        return cors.apply(binding.cors, request.headers, response)

    async def binding(self, address: UrlAddress) -> UrlBinding | None:
        """What the URL invokes, read through the store's cache; None if there is no such URL."""
        record = await self._ids.get_cached(URL_ID_SCOPE, address.url_id)
        if record is None:
            return None
        target = UrlTarget(**record.data)
        if address.region is not None and address.region != target.region:
            return None
        key = scoped_key(target.function, target.qualifier or "")
        config = await self._configs.get_cached(Scope(target.account, target.region), key)
        if config is None or config.data["url_id"] != address.url_id:
            return None  # deleted (and maybe re-created under another id) meanwhile
        data = config.data
        mode = data.get("InvokeMode", "BUFFERED")
        return UrlBinding(address.url_id, target, data["AuthType"], data.get("Cors"), mode)

    # --- authorization ----------------------------------------------------------------------

    def _authorize(self, binding: UrlBinding, request: HttpRequest) -> Principal | None:
        """The caller of an ``AWS_IAM`` URL (None: a ``NONE`` URL's anonymous caller)."""
        if binding.auth_type != "AWS_IAM":
            return None
        try:
            signature = read_signature(request)
        except IncompleteSignature as error:
            raise Refusal(url_errors.bad_signature(error.code, error.message)) from error
        if not self._auth.enforce:  # --auth off: as lenient as the AWS API gateway is
            return self._lenient(signature)
        if signature is None:
            raise Refusal(url_errors.forbidden())
        _check_scope(signature, binding.target.region)
        try:
            return self._verifier.verify(request, signature, skew_minutes=_SKEW_MINUTES)
        except ServiceError as error:
            raise Refusal(url_errors.bad_signature(error.code, error.message)) from error

    def _lenient(self, signature: Signature | None) -> Principal:
        if signature is not None:
            credential = self._auth.credentials.lookup(signature.access_key_id)
            if credential is not None:
                return credential.principal
        return self._auth.anonymous

    # --- invocation ---------------------------------------------------------------------------

    async def _invoke(
        self, binding: UrlBinding, event: dict[str, Any], request_id: str
    ) -> HttpResponse:
        target = binding.target
        params: dict[str, Any] = {
            "FunctionName": binding.function_arn,
            "Payload": json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode(),
        }
        if target.qualifier is not None:
            params["Qualifier"] = target.qualifier
        ctx = internal_context(target.account, target.region, "lambda")
        ctx.request_id = request_id  # the function's aws_request_id is the URL request's id
        try:
            answer = await self._platform.providers["lambda"].invoke(ctx, params)
        except ServiceError as error:
            return _invoke_refused(error)
        if answer.get("FunctionError"):
            return url_errors.function_failed()  # an error or a timeout: AWS's 502
        try:
            return map_response(answer["Payload"])
        except MalformedResponse as malformed:
            log.info("function URL %s: %s", binding.url_id, malformed)
            return url_errors.function_failed()


def _invoke_refused(error: ServiceError) -> HttpResponse:
    """Invoke refused to run the function: throttles are the URL's 429 (urls-configuration.html
    "Throttling function URLs"); anything else keeps Invoke's own status, code and message."""
    if error.code == "TooManyRequestsException":
        return url_errors.throttled(error.message)
    return url_errors.rejected(error.status or 500, error.code, error.message)


def _check_scope(signature: Signature, region: str) -> None:
    """A URL signature is for service ``lambda`` in the URL's region (urls-invocation.html)."""
    if signature.service != "lambda":
        message = "Credential should be scoped to correct service: 'lambda'. "
        raise Refusal(url_errors.bad_signature("InvalidSignatureException", message))
    if signature.region != region:
        message = f"Credential should be scoped to a valid region, not '{signature.region}'. "
        raise Refusal(url_errors.bad_signature("InvalidSignatureException", message))


def _context(
    binding: UrlBinding, address: UrlAddress, request_id: str, caller: Principal | None
) -> RequestContextV2:
    region = binding.target.region
    return RequestContextV2(
        account_id=caller.account_id if caller is not None else "anonymous",
        api_id=binding.url_id,
        domain_name=f"{binding.url_id}.lambda-url.{region}.localhost",
        domain_prefix=binding.url_id,
        request_id=request_id,
        authorizer=None if caller is None else iam_authorizer(caller),
    )


def iam_authorizer(caller: Principal) -> dict[str, Any]:
    """``requestContext.authorizer`` of an ``AWS_IAM`` URL (urls-invocation.html)."""
    return {
        "iam": {
            "accessKey": caller.access_key_id,
            "accountId": caller.account_id,
            "callerId": caller.user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": caller.arn,
            "userId": caller.user_id,
        }
    }


def inbound_request(
    request: HttpRequest, path: str, scope: Mapping[str, Any], trace_id: str
) -> InboundRequest:
    """The request as the events see it: the client's headers less those the front door owns,
    plus the forwarding headers it adds (shared by Function URLs, HTTP and REST APIs)."""
    raw = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope.get("headers", [])]
    raw = [(name, value) for name, value in raw if name not in FRONT_DOOR_OWNED]
    client = scope.get("client")
    source_ip = client[0] if client else "127.0.0.1"
    return InboundRequest(
        method=request.method,
        raw_path=path,
        raw_query=request.query,
        header_pairs=raw + forwarded_headers(request, source_ip, trace_id),
        body=request.body,
        source_ip=source_ip,
        protocol=f"HTTP/{scope.get('http_version', '1.1')}",
    )


def forwarded_headers(request: HttpRequest, source_ip: str, trace_id: str) -> list[tuple[str, str]]:
    """The headers AWS's front door adds to every URL event (x-forwarded-* and the trace id);
    a client's own ``X-Forwarded-For`` is kept and the source address appended to it."""
    port = request.headers.get("host", "").rpartition(":")[2]
    if not port.isdigit():
        port = "443" if request.scheme == "https" else "80"
    return [
        ("x-amzn-trace-id", trace_id),
        ("x-forwarded-proto", request.scheme),
        ("x-forwarded-port", port),
        ("x-forwarded-for", source_ip),
    ]


def new_trace_id() -> str:
    """An X-Ray root trace id, ``Root=1-<epoch hex>-<24 hex>``, as URL responses carry."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
