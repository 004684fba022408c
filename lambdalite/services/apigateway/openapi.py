"""OpenAPI 3 and Swagger 2 documents to REST API definitions (pure functions).

Served, as API Gateway's import reads them ("Working with API Gateway extensions to OpenAPI",
REST API developer guide): ``info.title``/``description``/``version``; paths with path
parameters and ``{proxy+}``; the operations and ``x-amazon-apigateway-any-method`` (ANY), their
``operationId``, ``parameters`` (path, query, header: the method's ``requestParameters``) and
``responses`` without schemas (``methodResponses``); ``x-amazon-apigateway-integration`` of type
``aws_proxy`` to a Lambda function; ``security`` naming an ``apiKey`` scheme for the
``x-api-key`` header (``apiKeyRequired``); ``x-amazon-apigateway-api-key-source`` HEADER,
``-binary-media-types``, ``-minimum-compression-size``, ``-policy`` and
``-endpoint-configuration``'s ``disableExecuteApiEndpoint``.

Refused with 501 (NotServed), as the existing operations refuse them: other integration types
and integration mappings, authorizers (``x-amazon-apigateway-authorizer``, ``-authtype``,
other security schemes), models (``definitions``, ``components.schemas``, body and response
schemas), request validators, gateway responses, documentation, VPC endpoints, AUTHORIZER API key
source. Import errors are worded "Errors found during import:" then a tab-indented line per
error, "Unable to put integration on 'GET' for resource at path '/x': <reason>" (AWS's form as
CloudFormation users quote it; unverified against a recording).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from lambdalite.services.apigateway import errors
from lambdalite.services.apigateway.errors import BadRequest, NotServed
from lambdalite.services.apigateway.resources import LAMBDA_URI, PATH_PART
from lambdalite.services.apigatewayv2.openapi import json_or_yaml

Params = dict[str, Any]
Document = dict[str, Any]

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
_VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
_EXT = "x-amazon-apigateway-"
_REFUSED_ROOT = {
    f"{_EXT}gateway-responses": "Gateway responses",
    f"{_EXT}request-validators": "Request validators",
    f"{_EXT}request-validator": "Request validators",
    f"{_EXT}documentation": "Documentation",
}
_REFUSED_OPERATION = {
    f"{_EXT}request-validator": "Request validators",
    f"{_EXT}auth": "Authorizers",
    "requestBody": None,  # refused only with a schema (a model)
}
_PASSED = ("timeoutInMillis", "cacheNamespace", "credentials")
_NOT_SERVED_INTEGRATION = {
    "requestParameters": "Integration request parameters",
    "requestTemplates": "Mapping templates",
    "responses": "Integration responses",
    "contentHandling": "Content handling",
    "connectionId": "VPC links",
    "tlsConfig": "TLS configuration",
}
_PARAMETER_PLACES = {"path": "path", "query": "querystring", "header": "header"}


@dataclass
class RestDefinition:
    """What a document defines: the RestApi's members, and per resource path its methods in
    the ``Method`` shape (``methodIntegration`` without ``cacheNamespace``, which names the
    resource once it has an id)."""

    api: Params = field(default_factory=dict)
    methods: dict[str, dict[str, Params]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Where:
    """What an operation is read against: the document, its schemes, its resource path."""

    document: Document
    schemes: dict[str, bool]
    path: str


def parse_document(body: bytes) -> Document:
    """The document, JSON or YAML; BadRequestException when it is neither an OpenAPI 3 nor a
    Swagger 2 document."""
    document = json_or_yaml(body.decode("utf-8", errors="replace"))
    if not isinstance(document, dict) or not _version_of(document):
        # wording unverified
        raise BadRequest("Invalid OpenAPI input.")
    return document


def _version_of(document: Document) -> str | None:
    if str(document.get("openapi", "")).startswith("3"):
        return "oas3"
    if str(document.get("swagger", "")) == "2.0":
        return "swagger2"
    return None


def definition_from(document: Document, basepath: str = "ignore") -> RestDefinition:
    """The definition of ``document``; ``basepath`` (ignore, prepend, split) says what its
    base path does to the resource paths, as ImportRestApi's parameter of that name."""
    _refuse_root(document)
    definition = RestDefinition(api=_api_members(document))
    base = _base_path(document, basepath)
    schemes = _security_schemes(document)
    for path, item in (document.get("paths") or {}).items():
        full = _joined(base, str(path))
        definition.methods.setdefault(full, {})
        for verb, operation in _operations(item):
            method = _method(verb, operation, item, _Where(document, schemes, full))
            definition.methods[full][method["httpMethod"]] = method
    return definition


def _refuse_root(document: Document) -> None:
    for key, what in _REFUSED_ROOT.items():
        if key in document:
            raise NotServed(f"{what} ({key}) are not supported by lambdalite.")
    components = document.get("components") or {}
    if document.get("definitions") or components.get("schemas"):
        raise NotServed("Models (definitions, components.schemas) are not supported by lambdalite.")
    if document.get(f"{_EXT}api-key-source", "HEADER") != "HEADER":
        raise NotServed("apiKeySource AUTHORIZER is not supported by lambdalite.")


def _api_members(document: Document) -> Params:
    info = document.get("info") or {}
    api: Params = {"name": str(info.get("title") or "")}
    for key in ("description", "version"):
        if info.get(key) is not None:
            api[key] = str(info[key])
    if f"{_EXT}binary-media-types" in document:
        api["binaryMediaTypes"] = [str(t) for t in document[f"{_EXT}binary-media-types"]]
    if f"{_EXT}minimum-compression-size" in document:
        api["minimumCompressionSize"] = int(document[f"{_EXT}minimum-compression-size"])
    if f"{_EXT}policy" in document:
        api["policy"] = json.dumps(document[f"{_EXT}policy"])
    api.update(_endpoint_members(document.get(f"{_EXT}endpoint-configuration") or {}))
    return api


def _endpoint_members(configuration: Params) -> Params:
    if configuration.get("vpcEndpointIds"):
        raise NotServed("VPC endpoints are not supported by lambdalite.")
    if "disableExecuteApiEndpoint" in configuration:
        return {"disableExecuteApiEndpoint": bool(configuration["disableExecuteApiEndpoint"])}
    return {}


def _base_path(document: Document, mode: str) -> str:
    """The prefix the document's base path gives resource paths under ``mode``."""
    if mode == "ignore":
        return ""
    if mode not in ("prepend", "split"):
        # wording unverified
        raise BadRequest(
            f"Invalid basepath mode specified: {mode}. Valid options are ignore,prepend,split"
        )
    base = _document_base(document).strip("/")
    if mode == "split":
        base = base.partition("/")[2]
    return f"/{base}" if base else ""


def _document_base(document: Document) -> str:
    if "basePath" in document:
        return str(document["basePath"])
    servers = document.get("servers") or [{}]
    server = servers[0] if isinstance(servers[0], dict) else {}
    path = urlparse(str(server.get("url") or "")).path
    default = ((server.get("variables") or {}).get("basePath") or {}).get("default")
    return path.replace("{basePath}", str(default or "")) if default is not None else path


def _joined(base: str, path: str) -> str:
    joined = f"{base}/{path.strip('/')}".rstrip("/")
    return joined or "/"


def _operations(item: Any) -> list[tuple[str, Params]]:
    if not isinstance(item, dict):
        return []
    if "$ref" in item:
        raise NotServed("Path item references ($ref) are not supported by lambdalite.")
    found = [(verb.upper(), item[verb]) for verb in _VERBS if verb in item]
    if ANY_METHOD in item:
        found.append(("ANY", item[ANY_METHOD]))
    return [(verb, operation if isinstance(operation, dict) else {}) for verb, operation in found]


def _security_schemes(document: Document) -> dict[str, bool]:
    """Scheme name -> whether it is the API key scheme; other schemes (authorizers) are
    refused, as API Gateway would make an authorizer of each."""
    schemes = document.get("securityDefinitions") or (
        (document.get("components") or {}).get("securitySchemes") or {}
    )
    for name, scheme in schemes.items():
        if not _is_api_key(scheme):
            raise NotServed(f"Security scheme {name}: authorizers are not supported by lambdalite.")
    return dict.fromkeys(schemes, True)


def _is_api_key(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() == "x-api-key"
        and not any(str(key).startswith(_EXT) for key in scheme)
    )


def _method(verb: str, operation: Params, item: Params, where: _Where) -> Params:
    _refuse_operation(operation)
    method: Params = {"httpMethod": verb, "authorizationType": "NONE"}
    method["apiKeyRequired"] = _key_required(operation, where.document, where.schemes)
    if operation.get("operationId"):
        method["operationName"] = str(operation["operationId"])
    parameters = _parameters(
        [*(item.get("parameters") or []), *(operation.get("parameters") or [])]
    )
    if parameters:
        method["requestParameters"] = parameters
    responses = _responses(operation.get("responses") or {})
    if responses:
        method["methodResponses"] = responses
    if isinstance(operation.get(INTEGRATION), dict):
        method["methodIntegration"] = _integration(operation[INTEGRATION], verb, where.path)
    return method


def _refuse_operation(operation: Params) -> None:
    for key, what in _REFUSED_OPERATION.items():
        if key == "requestBody" and _has_schema(operation.get(key)):
            raise NotServed("Models (request body schemas) are not supported by lambdalite.")
        if what is not None and key in operation:
            raise NotServed(f"{what} ({key}) are not supported by lambdalite.")


def _has_schema(part: Any) -> bool:
    if not isinstance(part, dict):
        return False
    if part.get("schema"):
        return True
    return any(_has_schema(media) for media in (part.get("content") or {}).values())


def _key_required(operation: Params, document: Document, schemes: dict[str, bool]) -> bool:
    requirements = operation.get("security", document.get("security")) or []
    names = [name for requirement in requirements for name in (requirement or {})]
    for name in names:
        if name not in schemes:
            # wording unverified
            raise BadRequest(f"Security scheme {name} is not defined.")
    return bool(names)


def _parameters(parameters: list[Any]) -> Params:
    found: Params = {}
    for parameter in parameters:
        if not isinstance(parameter, dict):
            continue
        if "$ref" in parameter:
            raise NotServed("Parameter references ($ref) are not supported by lambdalite.")
        place = _PARAMETER_PLACES.get(str(parameter.get("in")))
        if parameter.get("in") in ("body", "formData"):
            raise NotServed("Models (body parameters) are not supported by lambdalite.")
        if place is not None:
            required = bool(parameter.get("required")) or place == "path"
            found[f"method.request.{place}.{parameter.get('name')}"] = required
    return found


def _responses(responses: Params) -> Params:
    found: Params = {}
    for code, response in responses.items():
        if not str(code).isdigit():
            continue  # "default": no method response of its own
        if _has_schema(response):
            raise NotServed("Models (response schemas) are not supported by lambdalite.")
        shown: Params = {"statusCode": str(code)}
        headers = (response or {}).get("headers") or {}
        if headers:
            shown["responseParameters"] = {f"method.response.header.{h}": False for h in headers}
        found[str(code)] = shown
    return found


def _integration(extension: Params, verb: str, path: str) -> Params:
    kind = str(extension.get("type", "")).upper()
    if kind != "AWS_PROXY":
        raise NotServed(f"Integration type {kind or 'None'} is not supported by lambdalite.")
    for key, what in _NOT_SERVED_INTEGRATION.items():
        if extension.get(key):
            raise NotServed(f"{what} ({key}) are not supported by lambdalite.")
    if str(extension.get("connectionType", "INTERNET")).upper() != "INTERNET":
        raise NotServed("connectionType VPC_LINK is not supported by lambdalite.")
    if not extension.get("httpMethod"):
        raise import_error(verb, path, errors.NO_HTTP_METHOD)
    uri = str(extension.get("uri") or "")
    if not LAMBDA_URI.match(uri):
        raise import_error(verb, path, errors.AWS_PROXY_LAMBDA_ONLY)
    return _integration_shape(extension, uri)


def _integration_shape(extension: Params, uri: str) -> Params:
    integration: Params = {
        "type": "AWS_PROXY",
        "httpMethod": str(extension["httpMethod"]).upper(),
        "uri": uri,
        "connectionType": "INTERNET",
        "passthroughBehavior": str(extension.get("passthroughBehavior", "WHEN_NO_MATCH")).upper(),
        "timeoutInMillis": 29000,
        "cacheKeyParameters": [str(p) for p in extension.get("cacheKeyParameters") or []],
    }
    integration.update({key: extension[key] for key in _PASSED if key in extension})
    integration["timeoutInMillis"] = int(integration["timeoutInMillis"])
    return integration


def import_error(verb: str, path: str, reason: str) -> BadRequest:
    return BadRequest(
        f"Errors found during import:\n\tUnable to put integration on '{verb}' for resource at "
        f"path '{path}': {reason}"
    )


def check_path_part(part: str, path: str) -> None:
    if not PATH_PART.fullmatch(part):
        # the "Errors found during import" form, with CreateResource's reason; unverified
        raise BadRequest(
            f"Errors found during import:\n\tUnable to create resource at path '{path}': "
            f"{errors.BAD_PATH_PART}"
        )
