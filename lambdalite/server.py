"""The ASGI application: AWS API requests to the gateway, ``/_lambdalite/...`` to the platform."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from lambdalite import __version__
from lambdalite.aws.credentials import (
    ChainedCredentials,
    SessionCredentials,
    StaticCredentials,
    root_credential,
)
from lambdalite.aws.dispatch import Dispatcher
from lambdalite.aws.errors import (
    HeadersTooLarge,
    RequestEntityTooLarge,
    RequestTimeout,
    ServiceError,
)
from lambdalite.aws.gateway import Authentication, Gateway
from lambdalite.aws.http import HttpRequest, HttpResponse, headers_from_asgi, parse_pairs
from lambdalite.aws.specs import ServiceCatalog
from lambdalite.config import AuthMode, Settings
from lambdalite.gateway import api_errors, http_apis
from lambdalite.gateway.function_urls import FunctionUrls, address_of, rejection
from lambdalite.gateway.http_apis import HttpApis
from lambdalite.gateway.rest_apis import RestApis
from lambdalite.links import CODE_PREFIX
from lambdalite.runtime.host import host_features
from lambdalite.services import SERVED_MODELS, build_providers
from lambdalite.services.platform import Platform
from lambdalite.services.sns.messages import SNS_PATH
from lambdalite.store import Store

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

INTERNAL_PREFIX = "/_lambdalite/"


class ClientGone(Exception):
    """The client disconnected before its request was read whole."""


@dataclass(slots=True)
class Running:
    """What exists only while the server runs (between lifespan start and stop)."""

    platform: Platform
    gateway: Gateway
    function_urls: FunctionUrls
    http_apis: HttpApis
    rest_apis: RestApis
    started: float

    @property
    def store(self) -> Store:
        return self.platform.store


class LambdaliteApp:
    """The whole server as one ASGI callable."""

    def __init__(self, settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.catalog = ServiceCatalog(SERVED_MODELS)
        self._on_ready = on_ready
        self._running: Running | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    # --- lifespan ------------------------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._startup_reporting(send)
            elif message["type"] == "lifespan.shutdown":
                await self._shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _startup_reporting(self, send: Send) -> None:
        try:
            self._running = await asyncio.to_thread(self._start)
            await self._running.platform.executor.start()
            for provider in self._running.gateway.dispatcher.providers:
                await provider.start()
        except Exception as error:
            log.exception("lambdalite failed to start")
            await send({"type": "lifespan.startup.failed", "message": str(error)})
            return
        # What startup loaded (botocore models, compiled routes) lives as long as the server:
        # out of the collector's sight, a full collection takes a few ms instead of ~70 ms.
        gc.freeze()
        await send({"type": "lifespan.startup.complete"})
        if self._on_ready is not None:
            self._on_ready()

    def _start(self) -> Running:
        settings = self.settings
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.data_dir.chmod(0o700)
        store = Store.open(settings.database_url, settings.durability)
        platform = Platform.build(settings, store)
        dispatcher = Dispatcher(build_providers(platform))
        gateway = Gateway(self.catalog, dispatcher, _authentication(settings, platform.sessions))
        urls = FunctionUrls(platform, gateway.auth)
        apis = HttpApis(platform, gateway.auth)
        rest = RestApis(platform)
        return Running(platform, gateway, urls, apis, rest, time.time())

    async def _shutdown(self) -> None:
        if self._running is not None:
            for provider in self._running.gateway.dispatcher.providers:
                await provider.stop()
            await self._running.platform.executor.stop()
            await self._running.platform.logs.flush()
            await asyncio.to_thread(self._running.store.close)
            self._running = None

    # --- http ----------------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Function URL and HTTP API traffic (by host, or under ``/_aws/lambda-url/`` and
        ``/_aws/execute-api/``) to the gateway/ data plane, ``/_lambdalite/`` to the platform,
        everything else to the AWS API."""
        running = self._running
        if running is None:
            await _send(send, HttpResponse(503, [("Content-Type", "text/plain")], b"starting\n"))
            return
        request = _request_head(scope)
        host = request.headers.get("host", "")
        url = address_of(host, request.path)
        api = http_apis.address_of(host, request.path) if url is None else None
        if url is None and api is None and scope["path"].startswith(INTERNAL_PREFIX):
            await _send(send, await self._internal(scope, running))
            return
        try:
            request.body = await self._read_body(scope, receive)
        except ClientGone:
            return
        except ServiceError as error:
            await _send(send, _refused(running, request, error, url is not None, api is not None))
            return
        if url is not None:
            await _send(send, await running.function_urls.handle(url, request, scope))
            return
        if api is not None:
            # REST and HTTP APIs share the id space: the id says which kind serves.
            if await running.rest_apis.serves(api.api_id):
                await _send(send, await running.rest_apis.handle(api, request, scope))
            else:
                await _send(send, await running.http_apis.handle(api, request, scope))
            return
        await _send(send, await running.gateway.handle(request))

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limits = self.settings
        if sum(len(k) + len(v) for k, v in scope["headers"]) > limits.max_header_bytes:
            raise HeadersTooLarge(f"Request headers exceed {limits.max_header_bytes} bytes.")
        first = await receive()  # uvicorn hands over what arrived with the head: often all
        if first["type"] == "http.request" and not first.get("more_body", False):
            body: bytes = first.get("body", b"")
            _check_size(len(body), limits.max_body_bytes)
            return body
        try:
            async with asyncio.timeout(limits.body_timeout_seconds):
                return await _receive_body(first, receive, limits.max_body_bytes)
        except TimeoutError as error:
            raise RequestTimeout("The request body was not received in time.") from error

    async def _internal(self, scope: Scope, running: Running) -> HttpResponse:
        path = scope["path"]
        if scope["method"] != "GET":
            return _plain(405, "Method Not Allowed")
        if path == INTERNAL_PREFIX + "health":
            body = json.dumps(await self.health(running), indent=2).encode() + b"\n"
            return HttpResponse(200, [("Content-Type", "application/json")], body)
        if path.startswith(CODE_PREFIX):
            return await _code_download(running.platform, path[len(CODE_PREFIX) :], scope)
        if path.startswith(SNS_PATH) and "sns" in running.platform.providers:
            # SNS's SubscribeURL, UnsubscribeURL and SigningCertURL: unsigned, as AWS's are.
            sns = running.platform.providers["sns"]
            return await sns.public_request(_request_head(scope), self.catalog["sns"])  # type: ignore[no-any-return]
        return _plain(404, "Not Found")

    async def health(self, running: Running) -> dict[str, Any]:
        settings = self.settings
        dispatcher = running.gateway.dispatcher
        return {
            "status": "running",
            "version": __version__,
            "uptime_seconds": round(time.time() - running.started, 3),
            "endpoint": settings.endpoint,
            "data_dir": str(settings.data_dir),
            "store": running.store.engine.dialect.name,
            "auth": settings.auth.value,
            "tls": {
                "enabled": settings.tls,
                "certificate": str(settings.tls_cert_file) if settings.tls else None,
            },
            "services": {
                spec.name: {
                    "enabled": spec.name in dispatcher.services,
                    "implemented_operations": sum(
                        dispatcher.implements(spec.name, op) for op in spec.model.operation_names
                    ),
                    "operations": len(spec.model.operation_names),
                }
                for spec in self.catalog
            },
            "host": host_features(),
            "execution": running.platform.executor.status(),
            "async_invocations": await running.platform.providers["lambda"].async_status(),
            "sqs": running.platform.providers["sqs"].status(),
            "schedules": await running.platform.providers["events"].schedule_status(),
        }


async def _code_download(platform: Platform, sha256_hex: str, scope: Scope) -> HttpResponse:
    """A deployment package, for a URL that GetFunction signed (expired or forged: 403)."""
    query = dict(parse_pairs(scope.get("query_string", b"").decode("latin-1")))
    signature_ok = platform.links.valid(
        sha256_hex, query.get("Expires", ""), query.get("Signature", "")
    )
    if not signature_ok or not platform.blobs.exists(sha256_hex):
        return _plain(403, "Access Denied")
    body = await asyncio.to_thread(platform.blobs.get, sha256_hex)
    return HttpResponse(200, [("Content-Type", "application/zip")], body)


def _refused(
    running: Running, request: HttpRequest, error: ServiceError, url: bool, api: bool
) -> HttpResponse:
    """A request refused before it was read whole, as its front door words it."""
    if url:
        return rejection(error)
    if api:
        return api_errors.message(error.status or 400, error.message)
    return running.gateway.reject(request, error)


def _plain(status: int, message: str) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def _authentication(settings: Settings, sessions: SessionCredentials) -> Authentication:
    root = root_credential(settings.access_key_id, settings.secret_access_key, settings.account_id)
    return Authentication(
        credentials=ChainedCredentials(StaticCredentials([root]), sessions),
        enforce=settings.auth is AuthMode.ON,
        anonymous=root.principal,
        default_region=settings.region,
    )


def _request_head(scope: Scope) -> HttpRequest:
    raw_path: bytes | None = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    return HttpRequest(
        method=scope["method"],
        path=path.split("?", 1)[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers_from_asgi(scope["headers"]),
        scheme=scope.get("scheme", "http"),
    )


async def _receive_body(message: Message, receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        _check_size(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise RequestEntityTooLarge(f"Request must be smaller than {limit} bytes.")


async def _send(send: Send, response: HttpResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
