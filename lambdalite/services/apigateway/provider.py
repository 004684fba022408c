"""The Amazon API Gateway (v1) provider: REST APIs for the Lambda proxy case, with API keys
and usage plans; its operations grouped by topic in mixins.

Served: REST APIs, resources, methods (authorizationType NONE), AWS_PROXY integrations to
Lambda, deployments, stages, API keys, usage plans and their keys; their Update* operations
(patch operations, patch.py); ImportRestApi and PutRestApi from OpenAPI 3 / Swagger 2 documents
(openapi.py, imports.py).

Not served (answered 501 by the dispatcher, or NotImplemented where a member, a patch path or
a document asks for them): authorizers and authorizationType other than NONE, integration
types other than AWS_PROXY to Lambda and integration mappings, method and integration
responses' own operations, models, request validators, gateway responses, custom domain names,
base path mappings, VPC links, client certificates, documentation, GetExport (an export that
matched AWS's documents member for member could not be verified here), usage reports and
UpdateUsage, canary settings, caching, X-Ray tracing, access logs, usage plans' per-method
throttles. Stages' method settings (metrics, logging, throttling) are kept and answered; the
data plane enforces their throttling, as it does usage plans' throttles and quotas.
"""

from __future__ import annotations

from lambdalite.aws.dispatch import Provider
from lambdalite.services.apigateway.api_updates import ApiUpdateOperations
from lambdalite.services.apigateway.imports import ImportOperations
from lambdalite.services.apigateway.key_updates import KeyUpdateOperations
from lambdalite.services.apigateway.keys import KeyOperations
from lambdalite.services.apigateway.resources import ResourceOperations
from lambdalite.services.apigateway.restapis import RestApiOperations
from lambdalite.services.apigateway.stage_updates import StageUpdateOperations
from lambdalite.services.apigateway.stages import StageOperations


class ApiGatewayProvider(
    ImportOperations,
    RestApiOperations,
    ApiUpdateOperations,
    ResourceOperations,
    StageUpdateOperations,
    StageOperations,
    KeyUpdateOperations,
    KeyOperations,
    Provider,
):
    service = "apigateway"
