"""The AWS request chain: detect -> authenticate -> parse -> validate -> dispatch -> serialize.

Every failure becomes an AWS error in the protocol the client speaks; a bug becomes
``InternalFailure`` (500) with a request id, and the traceback goes to the log, never to the
client.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from lambdalite.aws.context import Principal, RequestContext
from lambdalite.aws.credentials import CredentialResolver
from lambdalite.aws.dispatch import Dispatcher
from lambdalite.aws.errors import (
    IncompleteSignature,
    InternalFailure,
    MissingAuthenticationToken,
    ServiceError,
)
from lambdalite.aws.http import HttpRequest, HttpResponse
from lambdalite.aws.parser import Params, parse_request
from lambdalite.aws.serializer import serialize_error, serialize_response
from lambdalite.aws.sigv4 import Signature, SignatureVerifier, read_signature
from lambdalite.aws.specs import Resolved, ServiceCatalog, Unresolved
from lambdalite.aws.validate import validate_input

log = logging.getLogger(__name__)

# The member a legacy query request may leave out by posting to the queue's own URL.
_QUEUE_URL = "QueueUrl"

# How far a signature's time may be from ours: the query services allow 15 minutes, the JSON
# ones 5 (the "Signature expired: ... - 15 min." / "- 5 min." messages AWS answers).
_SKEW_MINUTES = {"query": 15}
_DEFAULT_SKEW_MINUTES = 5


@dataclass(frozen=True, slots=True)
class Authentication:
    """How requests are authenticated (``enforce=False`` is ``--auth off``)."""

    credentials: CredentialResolver
    enforce: bool
    anonymous: Principal  # who an unsigned request is when auth is off (and for no-auth ops)
    default_region: str
    clock: Callable[[], float] = time.time


class Gateway:
    """Turns one AWS API HTTP request into one HTTP response."""

    def __init__(
        self, catalog: ServiceCatalog, dispatcher: Dispatcher, auth: Authentication
    ) -> None:
        self.catalog = catalog
        self.dispatcher = dispatcher
        self.auth = auth
        self._verifier = SignatureVerifier(auth.credentials, auth.clock)

    async def handle(self, request: HttpRequest) -> HttpResponse:
        ctx = RequestContext(request)
        try:
            return await self._handle(ctx)
        except ServiceError as error:
            return self._error(ctx, error)
        except Exception:
            log.exception(
                "InternalFailure in %s.%s (request %s)",
                ctx.service,
                ctx.operation_name,
                ctx.request_id,
            )
            return self._error(ctx, InternalFailure())

    def reject(self, request: HttpRequest, error: ServiceError) -> HttpResponse:
        """Answer ``error`` for a request that was refused before it could be read whole."""
        ctx = RequestContext(request)
        with contextlib.suppress(ServiceError):  # answer in the best protocol we can find
            self._resolve(ctx, None)
        return self._error(ctx, error)

    async def _handle(self, ctx: RequestContext) -> HttpResponse:
        signature, signature_error = _read_signature(ctx.request)
        resolved = self._resolve(ctx, signature)
        if signature_error is not None:
            raise signature_error
        ctx.region = signature.region if signature else self.auth.default_region
        ctx.principal = self._authenticate(ctx, signature, resolved)
        operation = resolved.operation
        params = parse_request(resolved.protocol, operation, ctx.request, resolved.uri_params)
        _queue_url_from_path(resolved, ctx.request, params)
        skip = self.dispatcher.unvalidated(ctx.service, operation.name)
        validate_input(operation.input_shape, params, skip)
        output = await self.dispatcher.dispatch(ctx, params)
        return serialize_response(
            resolved.protocol, resolved.service, operation, output, ctx.request_id
        )

    def _resolve(self, ctx: RequestContext, signature: Signature | None) -> Resolved:
        try:
            resolved = self.catalog.resolve(ctx.request, signature.service if signature else None)
        except Unresolved as unresolved:
            ctx.spec, ctx.protocol = unresolved.spec, unresolved.protocol
            ctx.service = unresolved.spec.name if unresolved.spec else ""
            raise unresolved.error from None
        ctx.spec, ctx.protocol = resolved.service, resolved.protocol
        ctx.service, ctx.operation = resolved.service.name, resolved.operation
        return resolved

    def _authenticate(
        self, ctx: RequestContext, signature: Signature | None, resolved: Resolved
    ) -> Principal:
        if not self.auth.enforce or _no_auth(resolved):
            return self._lenient_principal(signature)
        if signature is None:
            raise MissingAuthenticationToken()
        return self._verifier.verify(
            ctx.request,
            signature,
            skew_minutes=_SKEW_MINUTES.get(resolved.protocol, _DEFAULT_SKEW_MINUTES),
            allow_unsigned_payload=resolved.operation.auth_type == "v4-unsigned-body",
        )

    def _lenient_principal(self, signature: Signature | None) -> Principal:
        """With auth off, a known access key still tells whose account a request is for."""
        if signature is not None:
            credential = self.auth.credentials.lookup(signature.access_key_id)
            if credential is not None:
                return credential.principal
        return self.auth.anonymous

    def _error(self, ctx: RequestContext, error: ServiceError) -> HttpResponse:
        spec = ctx.spec
        protocol = ctx.protocol or (spec.protocol if spec else "rest-json")
        return serialize_error(protocol, spec, error, ctx.request_id)


def _read_signature(request: HttpRequest) -> tuple[Signature | None, ServiceError | None]:
    """The signature, or the error reading it (raised once the protocol is known)."""
    try:
        return read_signature(request), None
    except IncompleteSignature as error:
        return None, error


def _no_auth(resolved: Resolved) -> bool:
    """Operations AWS serves unsigned (STS AssumeRoleWithWebIdentity, ...)."""
    operation = resolved.operation
    return operation.auth_type == "none" or "smithy.api#noAuth" in (operation.auth or ())


def _queue_url_from_path(resolved: Resolved, request: HttpRequest, params: Params) -> None:
    """Legacy query clients post to a queue's own URL (``/<account>/<name>``) and leave
    ``QueueUrl`` out: the path names the queue ("Making query API requests" in AWS's SQS API
    reference). Fill it in before validation, which would otherwise find it missing."""
    if resolved.protocol != "query" or not resolved.service.query_compatible:
        return
    shape = resolved.operation.input_shape
    if shape is None or _QUEUE_URL not in shape.members or _QUEUE_URL in params:
        return
    if request.path not in ("", "/"):
        host = request.headers.get("host")
        params[_QUEUE_URL] = f"{request.scheme}://{host}{request.path}" if host else request.path
