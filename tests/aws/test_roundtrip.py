"""Round trips over every operation of the served models, against botocore itself.

Requests: botocore's serializer builds the HTTP request, our parser must read back the input.
Responses: our serializer writes the output, botocore's parser must read back the same dict.
Errors: every modeled error, written by us, must be recognised by botocore by its code.
A service that left the query protocol (SQS) is tested in query with its legacy query view,
whose wire names old clients use (``spec.model_for("query")``).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, StructureShape
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalite.aws.errors import ServiceError
from lambdalite.aws.parser import parse_request
from lambdalite.aws.serializer import EventStreamNotImplemented, serialize_error, serialize_response
from lambdalite.aws.specs import ServiceCatalog, ServiceSpec
from lambdalite.services import SERVED_MODELS
from tests.aws.strategies import input_params, output_params
from tests.support.botocore_http import botocore_request, to_http_request

CATALOG = ServiceCatalog(SERVED_MODELS)
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def _cases() -> list[Any]:
    cases = []
    for spec in CATALOG:
        for protocol in spec.protocols:
            for name in spec.model.operation_names:
                cases.append(
                    pytest.param(spec, protocol, name, id=f"{spec.name}-{protocol}-{name}")
                )
    return cases


def _has_event_stream(shape: StructureShape | None) -> bool:
    return shape is not None and any(
        m.serialization.get("eventstream") for m in shape.members.values()
    )


@pytest.mark.parametrize(("spec", "protocol", "name"), _cases())
@EXAMPLES
@given(data=st.data())
def test_request_round_trip(
    spec: ServiceSpec, protocol: str, name: str, data: st.DataObject
) -> None:
    operation = spec.model_for(protocol).operation_model(name)  # query: the legacy wire names
    params = data.draw(input_params(operation, protocol))
    request = to_http_request(botocore_request(protocol, operation, params))

    resolved = CATALOG.resolve(request, spec.signing_name)
    assert (resolved.service.name, resolved.operation.name) == (spec.name, name)
    parsed = parse_request(resolved.protocol, resolved.operation, request, resolved.uri_params)
    _drop_absent_payload(operation.input_shape, parsed, params)
    assert normalize(parsed, protocol) == normalize(params, protocol)


def _drop_absent_payload(
    shape: StructureShape | None, parsed: dict[str, Any], sent: dict[str, Any]
) -> None:
    """botocore sends ``{}`` for an absent structure payload: the wire cannot tell them apart."""
    payload = shape.serialization.get("payload") if shape is not None else None
    if payload is not None and payload not in sent and parsed.get(payload) == {}:
        del parsed[payload]


@pytest.mark.parametrize(("spec", "protocol", "name"), _cases())
@EXAMPLES
@given(data=st.data())
def test_response_round_trip(
    spec: ServiceSpec, protocol: str, name: str, data: st.DataObject
) -> None:
    operation = spec.model_for(protocol).operation_model(name)
    if _has_event_stream(operation.output_shape):
        with pytest.raises(
            EventStreamNotImplemented
        ):  # loudly, until the event-stream encoder exists
            serialize_response(protocol, spec, operation, {}, "request-1")
        return
    output = data.draw(output_params(operation, protocol))
    response = serialize_response(protocol, spec, operation, output, "request-1")

    parsed = botocore_parse(protocol, operation, response.status, response.headers, response.body)
    metadata = parsed.pop("ResponseMetadata")
    assert metadata["RequestId"] == "request-1"
    expected = _as_the_wire_carries(operation.output_shape, output, parsed)
    assert normalize(parsed, protocol, response=True) == normalize(
        expected, protocol, response=True
    )


def _as_the_wire_carries(
    shape: StructureShape | None, output: dict[str, Any], parsed: dict[str, Any]
) -> dict[str, Any]:
    """Members HTTP always carries: a blob/string payload (empty when absent) and Content-Type."""
    expected = dict(output)
    if shape is None:
        return expected
    payload = shape.serialization.get("payload")
    if (
        payload is not None
        and payload not in output
        and shape.members[payload].type_name in ("blob", "string")
    ):
        expected[payload] = b"" if shape.members[payload].type_name == "blob" else ""
    for name, member in shape.members.items():
        if member.serialization.get("name", "").lower() == "content-type" and name not in output:
            expected[name] = parsed.get(name)
    return expected


def _error_cases() -> list[Any]:
    return [
        pytest.param(spec, protocol, shape.name, id=f"{spec.name}-{protocol}-{shape.name}")
        for spec in CATALOG
        for protocol in spec.protocols
        for shape in spec.model.error_shapes
    ]


@pytest.mark.parametrize(("spec", "protocol", "code"), _error_cases())
def test_modeled_errors_reach_botocore(spec: ServiceSpec, protocol: str, code: str) -> None:
    model = spec.model_for(protocol)
    operation = model.operation_model(model.operation_names[0])
    response = serialize_error(
        protocol, spec, ServiceError('it <failed> & "why"', code=code), "request-2"
    )

    parsed = botocore_parse(protocol, operation, response.status, response.headers, response.body)
    shape = spec.model.shape_for(code)
    wire_code = shape.metadata.get("error", {}).get("code", code) if protocol == "query" else code
    assert parsed["Error"]["Code"] == wire_code
    assert parsed["Error"]["Message"] == 'it <failed> & "why"'
    assert parsed["ResponseMetadata"]["RequestId"] == "request-2"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == response.status
    assert response.status >= 400


def botocore_parse(
    protocol: str,
    operation: OperationModel,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> dict[str, Any]:
    wire = HeadersDict()
    for key, value in headers:
        wire[key] = value
    # A real client hands botocore a stream for blob payloads (``has_streaming_output``).
    stream = operation.has_streaming_output
    http = {
        "status_code": status,
        "headers": wire,
        "body": StreamingBody(io.BytesIO(body), len(body)) if stream else body,
    }
    return create_parser(protocol).parse(http, operation.output_shape)  # type: ignore[no-any-return]


def normalize(value: Any, protocol: str, response: bool = False) -> Any:
    """Compare values as the wire carries them.

    Timestamps compare as epoch milliseconds. The query protocol has no way to write an empty
    map or structure (botocore sends nothing for them), so those compare as absent.
    """
    if isinstance(value, dict):
        result = {}
        for key, raw in value.items():
            item = normalize(raw, protocol, response)
            if item is None or (protocol == "query" and item == {}):
                continue
            result[key] = item
        return result
    if isinstance(value, list):
        items = [normalize(item, protocol, response) for item in value]
        if protocol == "query" and response and not items:
            return None  # a flattened list without members leaves no trace in the XML
        if protocol == "query":
            # An empty structure in a list writes nothing either; a list of only those is absent.
            kept = [item for item in items if item != {}]
            return kept if kept or not items else None
        return items
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, bytearray):
        return bytes(value)
    if hasattr(value, "read"):
        return value.read()
    return value
