"""AWS Signature Version 4 verification: the Authorization header and the presigned query form.

The canonical request is built exactly as botocore builds it (``botocore.auth.SigV4Auth``):
dot segments removed and the already-encoded path encoded once more, query parameters
re-encoded and sorted, signed headers trimmed. Derived signing keys are cached, so verifying a
request costs two SHA-256 and two HMAC computations. Error codes and messages are AWS's; see
reference/AWS-BEHAVIOUR.md §7.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from botocore.utils import normalize_url_path

from lambdalite.aws.context import Principal
from lambdalite.aws.credentials import CredentialResolver
from lambdalite.aws.errors import (
    SIGNATURE_MISMATCH_MESSAGE,
    IncompleteSignature,
    InvalidSignature,
    UnrecognizedClient,
)
from lambdalite.aws.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PRESIGN_EXPIRES = 604800  # seven days, as AWS allows

_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass(frozen=True, slots=True)
class Signature:
    """What a request claims about its signature (header or presigned form)."""

    access_key_id: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str
    security_token: str | None
    expires: int | None = None  # presigned requests only

    @property
    def presigned(self) -> bool:
        return self.expires is not None


def read_signature(request: HttpRequest) -> Signature | None:
    """The signature a request carries, or ``None`` when it carries none.

    Raises :class:`IncompleteSignature` when the Authorization header or presign parameters are
    malformed.
    """
    authorization = request.headers.get("authorization")
    if authorization is not None:
        return _read_authorization(authorization, request)
    if "X-Amz-Algorithm=" in request.query or "X-Amz-Signature=" in request.query:
        return _read_presigned(request)
    return None


def _read_authorization(header: str, request: HttpRequest) -> Signature:
    algorithm, _, rest = header.strip().partition(" ")
    fields: dict[str, str] = {}
    if algorithm == ALGORITHM:
        # AWS splits on commas and whitespace alike: "Credential=AKID /2026..." reports the
        # stray "/2026..." as the pair missing its equal sign.
        for part in re.split(r"[\s,]+", rest.strip()):
            name, equals, value = part.partition("=")
            if part and not equals:
                raise IncompleteSignature(
                    f"'{part}' not a valid key=value pair (missing equal-sign) in "
                    f"Authorization header: '{header}'."
                )
            fields[name] = value
    timestamp = _request_timestamp(request)
    missing = _missing_authorization_parts(fields, timestamp)
    if missing:
        raise IncompleteSignature(" ".join(missing) + f" Authorization={header}")
    return _signature(
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
        timestamp or "",
        request.headers.get("x-amz-security-token"),
    )


def _missing_authorization_parts(fields: dict[str, str], timestamp: str | None) -> list[str]:
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if timestamp is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return missing


def _request_timestamp(request: HttpRequest) -> str | None:
    amz_date = request.headers.get("x-amz-date")
    if amz_date is not None:
        return amz_date
    date = request.headers.get("date")
    if date is None:
        return None
    try:
        return parsedate_to_datetime(date).astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    except (TypeError, ValueError):
        return date  # reported as an unreadable timestamp by the verifier


def _read_presigned(request: HttpRequest) -> Signature:
    params = dict(request.query_pairs)
    missing = [name for name in _PRESIGN_PARAMS if name not in params]
    if missing or params["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(
            "AWS query-string parameters must include "
            + ", ".join(f"'{name}'" for name in _PRESIGN_PARAMS)
            + ". Re-examine the query-string parameters."
        )
    try:
        expires = int(params.get("X-Amz-Expires", MAX_PRESIGN_EXPIRES))
    except ValueError as error:
        raise IncompleteSignature("X-Amz-Expires should be a number") from error
    if not 0 <= expires <= MAX_PRESIGN_EXPIRES:
        raise IncompleteSignature(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        )
    signature = _signature(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        params.get("X-Amz-Security-Token"),
    )
    return replace(signature, expires=expires)


def _signature(
    credential: str, signed_headers: str, signature: str, timestamp: str, token: str | None
) -> Signature:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, scope_date, region, service, _ = parts
    return Signature(
        access_key_id=access_key_id,
        scope_date=scope_date,
        region=region,
        service=service,
        signed_headers=tuple(signed_headers.split(";")),
        signature=signature,
        timestamp=timestamp,
        security_token=token,
    )


class SignatureVerifier:
    """Checks a request's signature against the credentials lambdalite knows."""

    def __init__(
        self, credentials: CredentialResolver, clock: Callable[[], float] = time.time
    ) -> None:
        self._credentials = credentials
        self._clock = clock

    def verify(
        self,
        request: HttpRequest,
        signature: Signature,
        *,
        skew_minutes: int,
        allow_unsigned_payload: bool = False,
    ) -> Principal:
        """The principal that signed ``request``, or a typed 4xx :class:`ServiceError`."""
        credential = self._credentials.lookup(signature.access_key_id)
        if credential is None or credential.session_token != signature.security_token:
            raise UnrecognizedClient()
        _check_scope(signature)
        _check_time(signature, self._clock(), skew_minutes)
        payload_hash = _payload_hash(request, signature, allow_unsigned_payload)
        canonical = canonical_request(request, signature, payload_hash)
        string_to_sign = _string_to_sign(signature, canonical)
        key = signing_key(
            credential.secret_access_key, signature.scope_date, signature.region, signature.service
        )
        expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.signature):
            raise InvalidSignature(_mismatch_message(canonical, string_to_sign))
        return credential.principal


def _check_scope(signature: Signature) -> None:
    if "host" not in signature.signed_headers:
        raise InvalidSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    if signature.timestamp[:8] != signature.scope_date:
        raise InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{signature.scope_date}' != '{signature.timestamp[:8]}', "
            f"from '{signature.timestamp}'."
        )


def _check_time(signature: Signature, now_epoch: float, skew_minutes: int) -> None:
    signed_at = _epoch(signature.timestamp)
    now = int(now_epoch)
    window = skew_minutes * 60
    # Services other than S3 ignore X-Amz-Expires and hold presigned requests to the same window
    # as signed ones (aws/aws-sdk-go#2167: STS presigned URLs live 15 minutes whatever it says).
    if now - signed_at > window:
        raise InvalidSignature(
            f"Signature expired: {signature.timestamp} is now earlier than "
            f"{_amz(now - window)} ({_amz(now)} - {skew_minutes} min.)"
        )
    if signed_at - now > window:
        raise InvalidSignature(
            f"Signature not yet current: {signature.timestamp} is still later than "
            f"{_amz(now + window)} ({_amz(now)} + {skew_minutes} min.)"
        )


_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")


@functools.lru_cache(maxsize=256)
def _epoch(timestamp: str) -> int:
    """Epoch seconds of ``20261129T101500Z`` (strptime costs ten times as much; a client sends
    the same timestamp for every request within a second, hence the cache)."""
    found = _AMZ_DATE.fullmatch(timestamp)
    try:
        if found is None:
            raise ValueError(timestamp)
        year, month, day, hour, minute, second = map(int, found.groups())
        return calendar.timegm(datetime(year, month, day, hour, minute, second).timetuple())
    except ValueError as error:
        raise IncompleteSignature(
            f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from error


def _amz(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(AMZ_DATE_FORMAT)


def _payload_hash(request: HttpRequest, signature: Signature, allow_unsigned: bool) -> str:
    declared = request.headers.get("x-amz-content-sha256")
    if declared is None:
        return _body_hash(request.body)
    if declared == UNSIGNED_PAYLOAD and (allow_unsigned or signature.presigned):
        return declared
    if declared != _body_hash(request.body):
        raise InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    return declared


def _body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256


def canonical_request(request: HttpRequest, signature: Signature, payload_hash: str) -> str:
    """The SigV4 canonical request, as botocore's ``SigV4Auth.canonical_request`` builds it."""
    path = quote(normalize_url_path(request.path), safe="/~")
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n"
        for name in signature.signed_headers
    )
    return "\n".join(
        (
            request.method.upper(),
            path,
            canonical_query(request.query, signature.presigned),
            headers,
            ";".join(signature.signed_headers),
            payload_hash,
        )
    )


def canonical_query(query: str, presigned: bool) -> str:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote(name), unquote(value)
        if presigned and name == "X-Amz-Signature":
            continue
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def _string_to_sign(signature: Signature, canonical: str) -> str:
    scope = f"{signature.scope_date}/{signature.region}/{signature.service}/aws4_request"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{signature.timestamp}\n{scope}\n{digest}"


@lru_cache(maxsize=512)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key of one day/region/service; cached because it changes once a day."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _mismatch_message(canonical: str, string_to_sign: str) -> str:
    # AWS adds what it computed (boto/boto3#756 shows STS doing so), which is what a developer
    # needs to debug a signer.
    return (
        f"{SIGNATURE_MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n"
        f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
    )
