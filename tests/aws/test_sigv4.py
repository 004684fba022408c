"""SigV4 verification against requests signed by real boto3 clients (clock mocked where needed)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from lambdalite.aws.context import Principal
from lambdalite.aws.credentials import Credential, StaticCredentials, root_credential
from lambdalite.aws.errors import IncompleteSignature, InvalidSignature, UnrecognizedClient
from lambdalite.aws.http import HttpRequest
from lambdalite.aws.sigv4 import SignatureVerifier, read_signature, signing_key
from tests.support.capture import captured, client

ROOT = root_credential("test", "test", "000000000000")
TEMPORARY = Credential(
    "ASIATEMP",
    "temp-secret",
    Principal("ASIATEMP", "111111111111", "arn:aws:sts::111111111111:assumed-role/r/s", "AROA:s"),
    session_token="the-token",
)
CREDENTIALS = StaticCredentials([ROOT, TEMPORARY])


def verify(
    request: HttpRequest, *, now: float | None = None, skew: int = 5, unsigned_ok: bool = False
) -> Principal:
    verifier = SignatureVerifier(CREDENTIALS, clock=lambda: time.time() if now is None else now)
    signature = read_signature(request)
    assert signature is not None
    return verifier.verify(
        request, signature, skew_minutes=skew, allow_unsigned_payload=unsigned_ok
    )


def sts_request(**kwargs: str) -> HttpRequest:
    sts = client("sts", **kwargs)
    return captured(sts.get_caller_identity, sts)


def test_boto3_requests_of_every_protocol_verify() -> None:
    lam, sqs, sns, logs = client("lambda"), client("sqs"), client("sns"), client("logs")
    requests = [
        sts_request(),
        captured(
            lambda: lam.invoke(
                FunctionName="arn:aws:lambda:us-east-1:000000000000:function:f:1",
                Payload=b'{"a": "b c"}',
                InvocationType="Event",
                ClientContext="e30=",
            ),
            lam,
        ),
        captured(lambda: lam.list_functions(MaxItems=5, Marker="x y/z+"), lam),
        captured(
            lambda: sqs.send_message(QueueUrl="http://q/000000000000/q", MessageBody="hi ünïcode"),
            sqs,
        ),
        captured(
            lambda: sns.publish(TopicArn="arn:aws:sns:us-east-1:000000000000:t", Message="m&n=o"),
            sns,
        ),
        captured(lambda: logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/"), logs),
    ]
    for request in requests:
        assert verify(request) == ROOT.principal


def test_presigned_url_verifies() -> None:
    url = client("sts").generate_presigned_url(
        "get_caller_identity", ExpiresIn=60, HttpMethod="GET"
    )
    parts = urlsplit(url)
    request = HttpRequest("GET", parts.path or "/", parts.query, {"host": parts.netloc})
    signature = read_signature(request)
    assert signature is not None and signature.presigned
    assert verify(request, skew=15) == ROOT.principal


def test_wrong_secret_shows_what_the_server_computed() -> None:
    with pytest.raises(InvalidSignature) as raised:
        verify(sts_request(secret="not-the-secret"))
    message = raised.value.message
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )
    assert "The Canonical String for this request should have been\n'POST\n/\n" in message
    assert "20" in message and "/us-east-1/sts/aws4_request" in message
    assert raised.value.code_for("query") == "SignatureDoesNotMatch"
    assert raised.value.code_for("json") == "InvalidSignatureException"


def test_unknown_access_key() -> None:
    with pytest.raises(UnrecognizedClient) as raised:
        verify(sts_request(key="AKIAUNKNOWN"))
    assert raised.value.message == "The security token included in the request is invalid."
    assert raised.value.code_for("query") == "InvalidClientTokenId"
    assert raised.value.status == 403


def test_session_tokens_must_match_their_credentials() -> None:
    good = sts_request(key="ASIATEMP", secret="temp-secret", token="the-token")
    assert verify(good) == TEMPORARY.principal
    for token in ("another-token", None):
        request = sts_request(key="ASIATEMP", secret="temp-secret", token=token)  # type: ignore[arg-type]
        with pytest.raises(UnrecognizedClient):
            verify(request)
    with pytest.raises(UnrecognizedClient):  # long-term keys carry no token
        verify(sts_request(token="made-up"))


def test_tampering_with_body_or_signed_header_is_detected() -> None:
    lam = client("lambda")
    request = captured(
        lambda: lam.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}"), lam
    )
    assert (
        verify(replace(request, headers={**request.headers, "user-agent": "changed"}))
        == ROOT.principal
    )
    with pytest.raises(InvalidSignature):
        verify(replace(request, body=b'{"x": 1}'))
    with pytest.raises(InvalidSignature):
        verify(
            replace(
                request, headers={**request.headers, "x-amz-invocation-type": "RequestResponse"}
            )
        )
    with pytest.raises(InvalidSignature):
        verify(replace(request, query="Qualifier=2"))


def test_clock_skew_window_and_messages() -> None:
    request = sts_request()
    signed_at = (
        time.mktime(time.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")) - time.timezone
    )
    assert verify(request, now=signed_at + 4 * 60) == ROOT.principal
    with pytest.raises(InvalidSignature) as late:
        verify(request, now=signed_at + 6 * 60)
    stamp = request.headers["x-amz-date"]
    assert late.value.message.startswith(f"Signature expired: {stamp} is now earlier than ")
    assert late.value.message.endswith(" - 5 min.)")
    assert verify(request, now=signed_at + 14 * 60, skew=15) == ROOT.principal
    with pytest.raises(InvalidSignature) as early:
        verify(request, now=signed_at - 16 * 60, skew=15)
    assert early.value.message.startswith(
        f"Signature not yet current: {stamp} is still later than "
    )
    assert early.value.message.endswith(" + 15 min.)")


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (
            "Bearer abc",
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=Bearer abc",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=test /20261129/us-east-1/sts/aws4_request, SignedHeaders=host",
            "'/20261129/us-east-1/sts/aws4_request' not a valid key=value pair (missing equal-sign) in "
            "Authorization header: 'AWS4-HMAC-SHA256 Credential=test /20261129",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/sts, SignedHeaders=host, Signature=ab",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            "got 'test/20261129/us-east-1/sts'",
        ),
    ],
)
def test_malformed_authorization_headers(authorization: str, message: str) -> None:
    request = HttpRequest(
        "POST",
        "/",
        "",
        {"host": "h", "x-amz-date": "20261129T000000Z", "authorization": authorization},
    )
    with pytest.raises(IncompleteSignature) as raised:
        read_signature(request)
    assert message in raised.value.message
    assert raised.value.status == 400


def test_a_date_is_required() -> None:
    request = HttpRequest(
        "POST",
        "/",
        "",
        {
            "host": "h",
            "authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with pytest.raises(IncompleteSignature) as raised:
        read_signature(request)
    assert "requires existence of either a 'X-Amz-Date' or a 'Date' header" in raised.value.message


def test_host_must_be_signed_and_scope_date_must_match() -> None:
    request = sts_request()
    auth = request.headers["authorization"]
    unsigned_host = auth.replace(
        "SignedHeaders=content-type;host;x-amz-date", "SignedHeaders=content-type;x-amz-date"
    )
    with pytest.raises(InvalidSignature, match="'Host' or ':authority' must be a 'SignedHeader'"):
        verify(replace(request, headers={**request.headers, "authorization": unsigned_host}))
    stamp = request.headers["x-amz-date"]
    wrong_date = auth.replace(f"/{stamp[:8]}/", "/19990101/")
    with pytest.raises(InvalidSignature, match="Date in Credential scope does not match YYYYMMDD"):
        verify(replace(request, headers={**request.headers, "authorization": wrong_date}))


def test_declared_payload_hash_is_checked() -> None:
    request = sts_request()
    lying = {**request.headers, "x-amz-content-sha256": hashlib.sha256(b"other").hexdigest()}
    with pytest.raises(InvalidSignature, match="x-amz-content-sha256"):
        verify(replace(request, headers=lying))
    unsigned = {**request.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    with pytest.raises(InvalidSignature):
        verify(replace(request, headers=unsigned))  # not allowed for this operation


def test_signing_keys_are_cached() -> None:
    signing_key.cache_clear()
    verify(sts_request())
    verify(sts_request())
    info = signing_key.cache_info()
    assert info.misses == 1 and info.hits == 1
