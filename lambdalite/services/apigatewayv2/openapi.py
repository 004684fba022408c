"""OpenAPI 3 documents to and from HTTP API definitions (pure functions).

The extensions are AWS's, as the HTTP API OpenAPI guide documents them:
``x-amazon-apigateway-integration`` per operation (type aws_proxy/http_proxy, uri, httpMethod,
payloadFormatVersion, connectionType, timeoutInMillis, credentials), ``x-amazon-apigateway-cors``
at the root, ``x-amazon-apigateway-authorizer`` in ``components.securitySchemes`` (type jwt
with jwtConfiguration, or type request with authorizerUri...), ``x-amazon-apigateway-any-method``
for ANY, and the path ``/$default`` for the ``$default`` route. Exports carry
``x-amazon-apigateway-importexport-version: "1.0"`` and "Default response for <route key>".
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs installed; used at its edges only

from lambdalite.services.apigatewayv2.base import CHILD_ID_LENGTH, SHORT_ID_LENGTH, Params, new_id
from lambdalite.services.apigatewayv2.errors import BadRequest

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
AUTHORIZER = "x-amazon-apigateway-authorizer"
CORS = "x-amazon-apigateway-cors"
DEFAULT_PATH = "/$default"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

_INTEGRATION_MEMBERS = {
    "uri": "IntegrationUri",
    "httpMethod": "IntegrationMethod",
    "payloadFormatVersion": "PayloadFormatVersion",
    "connectionType": "ConnectionType",
    "timeoutInMillis": "TimeoutInMillis",
    "credentials": "CredentialsArn",
    "description": "Description",
}
_AUTHORIZER_MEMBERS = {
    "authorizerUri": "AuthorizerUri",
    "authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion",
    "authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds",
    "enableSimpleResponses": "EnableSimpleResponses",
    "authorizerCredentials": "AuthorizerCredentialsArn",
}
_CORS_MEMBERS = (
    "allowOrigins",
    "allowCredentials",
    "exposeHeaders",
    "maxAge",
    "allowMethods",
    "allowHeaders",
)


@dataclass
class Definition:
    """What an OpenAPI document defines, in the records' shapes."""

    api: Params = field(default_factory=dict)
    routes: dict[str, Params] = field(default_factory=dict)
    integrations: dict[str, Params] = field(default_factory=dict)
    authorizers: dict[str, Params] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def json_or_yaml(text: str) -> Any:
    """``text`` read as JSON, or else as YAML; None when it is neither."""
    try:
        return json.loads(text)
    except ValueError:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return None


def parse_document(body: str) -> dict[str, Any]:
    """The document as JSON, or else as YAML; BadRequestException when it is neither an
    object nor an OpenAPI 3 document."""
    document = json_or_yaml(body)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3"):
        raise BadRequest("Invalid OpenAPI input.")  # wording unverified
    return document


def definition_from(document: dict[str, Any]) -> Definition:
    info = document.get("info") or {}
    definition = Definition()
    definition.api = {"Name": str(info.get("title") or "")}
    if "version" in info:
        definition.api["Version"] = str(info["version"])
    if "description" in info:
        definition.api["Description"] = str(info["description"])
    if CORS in document:
        definition.api["CorsConfiguration"] = _cors_in(document[CORS])
    names = _authorizers_in(document, definition)
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            _route_in(definition, names, path, method, operation)
    return definition


def _route_in(
    definition: Definition, names: dict[str, str], path: str, method: str, operation: Any
) -> None:
    verb = "ANY" if method == ANY_METHOD else method.upper()
    if method != ANY_METHOD and method not in HTTP_METHODS:
        return  # parameters, summary, servers...: not operations
    key = "$default" if path == DEFAULT_PATH else f"{verb} {path}"
    route: Params = {"ApiKeyRequired": False, "AuthorizationType": "NONE", "RouteKey": key}
    route["RouteId"] = new_id(CHILD_ID_LENGTH)
    if isinstance(operation, dict) and isinstance(operation.get(INTEGRATION), dict):
        integration = _integration_in(operation[INTEGRATION])
        definition.integrations[integration["IntegrationId"]] = integration
        route["Target"] = f"integrations/{integration['IntegrationId']}"
    if isinstance(operation, dict):
        _security_in(route, operation.get("security"), names, definition)
        if "operationId" in operation:
            route["OperationName"] = str(operation["operationId"])
    definition.routes[route["RouteId"]] = route


def _integration_in(extension: dict[str, Any]) -> Params:
    integration: Params = {
        "ConnectionType": "INTERNET",
        "IntegrationId": new_id(CHILD_ID_LENGTH),
        "IntegrationType": str(extension.get("type", "")).upper(),
        "PayloadFormatVersion": "1.0",
        "TimeoutInMillis": 30000,
    }
    for name, member in _INTEGRATION_MEMBERS.items():
        if name in extension:
            integration[member] = extension[name]
    integration["PayloadFormatVersion"] = str(integration["PayloadFormatVersion"])
    integration["ConnectionType"] = str(integration["ConnectionType"]).upper()
    if isinstance(extension.get("tlsConfig"), dict):
        integration["TlsConfig"] = {
            "ServerNameToVerify": extension["tlsConfig"].get("serverNameToVerify")
        }
    return integration


def _authorizers_in(document: dict[str, Any], definition: Definition) -> dict[str, str]:
    """Authorizers from the security schemes; returns scheme name -> authorizer id (or
    ``AWS_IAM`` for a SigV4 scheme)."""
    schemes = ((document.get("components") or {}).get("securitySchemes")) or {}
    names: dict[str, str] = {}
    for name, scheme in schemes.items():
        if not isinstance(scheme, dict):
            continue
        if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
            names[name] = "AWS_IAM"
        elif isinstance(scheme.get(AUTHORIZER), dict):
            authorizer = _authorizer_in(name, scheme, scheme[AUTHORIZER])
            definition.authorizers[authorizer["AuthorizerId"]] = authorizer
            names[name] = authorizer["AuthorizerId"]
    return names


def _authorizer_in(name: str, scheme: dict[str, Any], extension: dict[str, Any]) -> Params:
    kind = str(extension.get("type", "")).upper()
    authorizer: Params = {"AuthorizerId": new_id(SHORT_ID_LENGTH), "Name": name}
    authorizer["AuthorizerType"] = "JWT" if kind == "JWT" else "REQUEST"
    sources = extension.get("identitySource")
    if sources is None and scheme.get("in") == "header" and scheme.get("name"):
        sources = f"$request.header.{scheme['name']}"
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    authorizer["IdentitySource"] = list(sources or [])
    jwt = extension.get("jwtConfiguration")
    if isinstance(jwt, dict):
        audience = jwt.get("audience") or []
        authorizer["JwtConfiguration"] = {
            "Issuer": jwt.get("issuer"),
            "Audience": [audience] if isinstance(audience, str) else list(audience),
        }
    for key, member in _AUTHORIZER_MEMBERS.items():
        if key in extension:
            authorizer[member] = extension[key]
    if "AuthorizerPayloadFormatVersion" in authorizer:
        authorizer["AuthorizerPayloadFormatVersion"] = str(
            authorizer["AuthorizerPayloadFormatVersion"]
        )
    return authorizer


def _security_in(
    route: Params, security: Any, names: dict[str, str], definition: Definition
) -> None:
    for requirement in security or []:
        for name, scopes in (requirement or {}).items():
            target = names.get(name)
            if target is None:
                definition.warnings.append(f"Security scheme {name} is not defined.")
            elif target == "AWS_IAM":
                route["AuthorizationType"] = "AWS_IAM"
            else:
                kind = definition.authorizers[target]["AuthorizerType"]
                route["AuthorizationType"] = "JWT" if kind == "JWT" else "CUSTOM"
                route["AuthorizerId"] = target
                if scopes:
                    route["AuthorizationScopes"] = list(scopes)
            return


def _cors_in(extension: dict[str, Any]) -> Params:
    return {
        name[0].upper() + name[1:]: extension[name] for name in _CORS_MEMBERS if name in extension
    }


# --- export ----------------------------------------------------------------------------------


def export(
    api: Params, snapshot: Params, endpoint: str, include_extensions: bool, stage: str | None
) -> dict[str, Any]:
    """The OpenAPI 3.0.1 document of an API (its current definition, or a stage's deployed
    one passed as ``snapshot``)."""
    version = api.get("Version") or time.strftime(
        "%Y-%m-%d %H:%M:%SUTC", time.gmtime(api["CreatedDate"])
    )
    info: Params = {"title": api["Name"], "version": version}
    if "Description" in api:
        info["description"] = api["Description"]
    document: dict[str, Any] = {"openapi": "3.0.1", "info": info}
    document["servers"] = [_server(endpoint, stage)]
    document["paths"] = _paths(snapshot, include_extensions)
    if include_extensions:
        _export_extensions(document, snapshot)
    return document


def _server(endpoint: str, stage: str | None) -> Params:
    if stage and stage != "$default":
        return {"url": f"{endpoint}/{stage}"}
    return {"url": f"{endpoint}/{{basePath}}", "variables": {"basePath": {"default": ""}}}


def _paths(snapshot: Params, include_extensions: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in sorted(snapshot["Routes"].values(), key=lambda r: str(r["RouteKey"])):
        key = route["RouteKey"]
        method, _, path = key.partition(" ")
        if key == "$default":
            method, path = "ANY", DEFAULT_PATH
        operation: Params = {
            "responses": {"default": {"description": f"Default response for {key}"}}
        }
        if include_extensions:
            _export_route(operation, route, snapshot)
        verb = ANY_METHOD if method == "ANY" else method.lower()
        paths.setdefault(path, {})[verb] = operation
    return paths


def _export_route(operation: Params, route: Params, snapshot: Params) -> None:
    integration = snapshot["Integrations"].get(
        str(route.get("Target", "")).removeprefix("integrations/")
    )
    if integration is not None:
        extension = {
            name: integration[m] for name, m in _INTEGRATION_MEMBERS.items() if m in integration
        }
        extension["type"] = integration["IntegrationType"].lower()
        operation[INTEGRATION] = extension
    authorizer = snapshot["Authorizers"].get(route.get("AuthorizerId") or "")
    if authorizer is not None:
        operation["security"] = [{authorizer["Name"]: list(route.get("AuthorizationScopes") or [])}]
    elif route.get("AuthorizationType") == "AWS_IAM":
        operation["security"] = [{"sigv4": []}]


def _export_extensions(document: dict[str, Any], snapshot: Params) -> None:
    schemes: Params = {}
    for authorizer in snapshot["Authorizers"].values():
        schemes[authorizer["Name"]] = _export_authorizer(authorizer)
    if any(r.get("AuthorizationType") == "AWS_IAM" for r in snapshot["Routes"].values()):
        schemes["sigv4"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    cors = snapshot.get("CorsConfiguration")
    if cors:
        document[CORS] = {name[0].lower() + name[1:]: value for name, value in cors.items()}
    document["x-amazon-apigateway-importexport-version"] = "1.0"


def _export_authorizer(authorizer: Params) -> Params:
    sources = authorizer.get("IdentitySource") or []
    extension: Params = {"identitySource": ", ".join(sources)}
    if authorizer["AuthorizerType"] == "JWT":
        jwt = authorizer["JwtConfiguration"]
        extension.update(
            type="jwt", jwtConfiguration={"issuer": jwt["Issuer"], "audience": jwt["Audience"]}
        )
        return {"type": "oauth2", "flows": {}, AUTHORIZER: extension}
    extension["type"] = "request"
    for key, member in _AUTHORIZER_MEMBERS.items():
        if member in authorizer:
            extension[key] = authorizer[member]
    return {"type": "apiKey", "name": "Unused", "in": "header", AUTHORIZER: extension}


def render(document: dict[str, Any], output_type: str) -> bytes:
    if output_type == "JSON":
        return json.dumps(document, indent=2).encode()
    text: str = yaml.safe_dump(document, sort_keys=False)
    return text.encode()
