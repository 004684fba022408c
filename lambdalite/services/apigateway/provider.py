"""The Amazon API Gateway (v1) provider: REST APIs for the Lambda proxy case, with API keys
and usage plans; its operations grouped by topic in mixins.

Not served (answered 501 by the dispatcher, or NotImplemented where a member asks for them):
Update* (patch operations), authorizers and authorizationType other than NONE, integration types
other than AWS_PROXY to Lambda, method and integration responses, models, request validators,
gateway responses, custom domain names, base path mappings, VPC links, client certificates,
documentation, exports and imports, usage reports, canary settings, caching.
"""

from __future__ import annotations

from lambdalite.aws.dispatch import Provider
from lambdalite.services.apigateway.keys import KeyOperations
from lambdalite.services.apigateway.resources import ResourceOperations
from lambdalite.services.apigateway.restapis import RestApiOperations
from lambdalite.services.apigateway.stages import StageOperations


class ApiGatewayProvider(
    RestApiOperations,
    ResourceOperations,
    StageOperations,
    KeyOperations,
    Provider,
):
    service = "apigateway"
