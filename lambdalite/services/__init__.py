"""The AWS services lambdalite serves: one provider class per service."""

from __future__ import annotations

from collections.abc import Callable

from lambdalite.aws.dispatch import Provider
from lambdalite.services.apigateway.provider import ApiGatewayProvider
from lambdalite.services.apigatewayv2.provider import ApiGatewayV2Provider
from lambdalite.services.events.provider import EventsProvider
from lambdalite.services.lambda_.provider import LambdaProvider
from lambdalite.services.platform import Platform
from lambdalite.services.scheduler.provider import SchedulerProvider
from lambdalite.services.sns.provider import SnsProvider
from lambdalite.services.sqs.provider import SqsProvider
from lambdalite.services.sts.provider import StsProvider

#: Models loaded at start: their operations answer in the right protocol, implemented or not.
SERVED_MODELS = (
    "lambda",
    "sqs",
    "sns",
    "sts",
    "events",
    "scheduler",
    "apigatewayv2",
    "apigateway",
    "logs",
    "iam",
)

PROVIDERS: dict[str, Callable[[Platform], Provider]] = {
    "lambda": LambdaProvider,
    "sqs": SqsProvider,
    "sns": SnsProvider,
    "sts": StsProvider,
    "events": EventsProvider,
    "scheduler": SchedulerProvider,
    "apigatewayv2": ApiGatewayV2Provider,
    "apigateway": ApiGatewayProvider,
}


def build_providers(platform: Platform) -> list[Provider]:
    providers = [factory(platform) for factory in PROVIDERS.values()]
    platform.providers.update((provider.service, provider) for provider in providers)
    return providers
