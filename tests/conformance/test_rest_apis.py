"""Recorded AWS scenario 37: the event a REST API's Lambda proxy integration delivers.

As recorded (LocalStack's ``test_lambda_aws_proxy_integration``, run against real AWS): a REST
API with ``/{proxy+}`` ANY to a function that echoes its event, deployed to ``stage``, then
``GET /stage/proxy-value`` with python-requests' headers, ``Authorization: random-value`` and a
mixed-case ``tEsT-HEADeR: aValUE``. The echoed event must match the recording, except for two
documented differences (lambdalite/gateway/rest_events.py): the CloudFront headers of an EDGE
endpoint (``CloudFront-*``, ``Via``, ``X-Amz-Cf-Id``) are not made up, and header names reach
lambdalite lower-cased (uvicorn), so the mixed-case header arrives as ``Test-Header``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import make_client
from tests.gateway.apis import ApiEndpoint
from tests.gateway.urls import function
from tests.services.apigateway.helpers import proxy_api
from tests.support.server import LambdaliteServer

from .snapshot import Snapshot, recorded

CASE = "37_apigw_rest_proxy_event"
ECHO = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
_EDGE_ONLY = ("CloudFront-", "Via", "X-Amz-Cf-Id")


def _without_edge_headers(event: dict[str, Any]) -> dict[str, Any]:
    """The recording as a REGIONAL-like front door delivers it (see the module docstring)."""
    for member in ("headers", "multiValueHeaders"):
        headers = event[member]
        event[member] = {n: v for n, v in headers.items() if not n.startswith(_EDGE_ONLY)}
        event[member]["Test-Header"] = event[member].pop("tEsT-HEADeR")
    return event


def test_37_rest_proxy_event(server: LambdaliteServer, lam: Any, snapshot: Snapshot) -> None:
    function(lam, "rest-echo", ECHO)
    arn = lam.get_function(FunctionName="rest-echo")["Configuration"]["FunctionArn"]
    apigw = make_client(server.endpoint, "apigateway")
    api = ApiEndpoint(proxy_api(apigw, "recorded-37", arn), int(server.endpoint.rsplit(":", 1)[1]))
    headers = [
        ("User-Agent", "python-requests/testing"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Authorization", "random-value"),
        ("tEsT-HEADeR", "aValUE"),
    ]
    reply = api.call("GET", "/stage/proxy-value", headers=headers)
    assert reply.status == 200, reply
    expected = recorded(CASE, "invocation-payload-without-trailing-slash")
    snapshot.match(_without_edge_headers(expected), json.loads(reply.body))
