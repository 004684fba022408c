"""The Amazon API Gateway v2 provider (HTTP APIs' control plane): one class, its operations
grouped by topic in mixins.

Not served (answered 501 by the dispatcher, or NotImplemented where a member asks for them):
WebSocket APIs and their route responses, integration responses and models; VPC links; custom
domain names and API mappings; routing rules; portals.
"""

from __future__ import annotations

from lambdalite.aws.dispatch import Provider
from lambdalite.services.apigatewayv2.authorizers import AuthorizerOperations
from lambdalite.services.apigatewayv2.imports import ImportOperations
from lambdalite.services.apigatewayv2.integrations import IntegrationOperations
from lambdalite.services.apigatewayv2.routes import RouteOperations
from lambdalite.services.apigatewayv2.stages import StageOperations
from lambdalite.services.apigatewayv2.tags import TagOperations


class ApiGatewayV2Provider(
    ImportOperations,
    RouteOperations,
    IntegrationOperations,
    AuthorizerOperations,
    StageOperations,
    TagOperations,
    Provider,
):
    service = "apigatewayv2"
