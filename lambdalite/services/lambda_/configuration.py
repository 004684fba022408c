"""A function's configuration (the FunctionConfiguration shape): defaults, updates, checks and
the projections AWS answers in different operations."""

from __future__ import annotations

import json
from typing import Any

from lambdalite.aws.errors import ValidationException
from lambdalite.services.lambda_.arns import FunctionRef
from lambdalite.services.lambda_.code import Package
from lambdalite.services.lambda_.errors import InvalidParameterValue, not_supported
from lambdalite.services.lambda_.models import last_modified, new_revision_id, runtime_version_arn

Config = dict[str, Any]

CREATING = "The function is being created."

# The runtimes AWS accepts for new functions, in the order its error message lists them
# (recorded 2026-01-12, aws-recorded/03_create_function_validation.json).
RUNTIMES = [
    "nodejs20.x",
    "python3.14",
    "provided.al2023",
    "python3.12",
    "python3.13",
    "nodejs24.x",
    "nodejs22.x",
    "java25",
    "python3.10",
    "python3.11",
    "java21",
    "ruby3.3",
    "ruby3.4",
    "ruby3.2",
    "python3.8",
    "python3.9",
    "java17",
    "nodejs16.x",
    "dotnet10",
    "dotnet8",
    "java11",
    "dotnet6",
    "nodejs18.x",
    "provided.al2",
    "java8.al2",
]

# Members that change what runs, copied from requests into the configuration as given.
_ECHOED = (
    "Role",
    "Handler",
    "Description",
    "Timeout",
    "MemorySize",
    "Environment",
    "DeadLetterConfig",
    "KMSKeyArn",
    "TracingConfig",
    "EphemeralStorage",
    "Runtime",
)

# Members of the model whose feature lambdalite cannot provide: refused, never ignored.
_UNSUPPORTED = {
    "FileSystemConfigs": "Amazon EFS file systems (FileSystemConfigs)",
    "CodeSigningConfigArn": "Code signing (CodeSigningConfigArn)",
    "ImageConfig": "Container image configuration (ImageConfig)",
    "CapacityProviderConfig": "Lambda Managed Instances (CapacityProviderConfig)",
    "TenancyConfig": "Tenant isolation (TenancyConfig)",
    "DurableConfig": "Durable functions (DurableConfig)",
    "RuntimeConfig": "Custom runtime ARNs (RuntimeConfig)",
    "AcceleratorConfig": "Accelerators (AcceleratorConfig)",
    "PublishTo": "PublishTo",
}

# AWS's limits for standard functions; the model allows more for Managed Instances only.
_MAX_TIMEOUT = 900
_MAX_MEMORY = 10240
_MAX_ENVIRONMENT_BYTES = 4096
_RESERVED_VARIABLES = frozenset(
    [
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    ]
)


def new_configuration(ref: FunctionRef, request: dict[str, Any], package: Package) -> Config:
    """$LATEST of a function being created: AWS's defaults, then the request."""
    check_request(request)
    config: Config = {
        "FunctionName": ref.name,
        "FunctionArn": ref.unqualified_arn,
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "PackageType": "Zip",
        "Architectures": request.get("Architectures") or ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{ref.name}"},
        "State": "Pending",
        "StateReason": CREATING,
        "StateReasonCode": "Creating",
    }
    config.update(_echoed(request))
    _apply_optional(config, request)
    _apply_code(config, package)
    return _stamped(config, ref.region)


def updated_configuration(config: Config, request: dict[str, Any], region: str) -> Config:
    """$LATEST after UpdateFunctionConfiguration: only the given members change."""
    check_request(request)
    updated = {**config, **_echoed(request)}
    _apply_dead_letter(updated, config, request)
    _apply_optional(updated, request)
    return _in_progress(_stamped(updated, region))


def _apply_dead_letter(updated: Config, config: Config, request: dict[str, Any]) -> None:
    """An empty DeadLetterConfig changes nothing (AWS answers the queue still set: recorded
    29's delete_dlq); a TargetArn of "" removes it."""
    given = request.get("DeadLetterConfig")
    if given is None:
        return
    if "TargetArn" not in given:
        updated.pop("DeadLetterConfig", None)
        if "DeadLetterConfig" in config:
            updated["DeadLetterConfig"] = config["DeadLetterConfig"]
    elif not given["TargetArn"]:
        updated.pop("DeadLetterConfig", None)


def with_new_code(config: Config, package: Package, request: dict[str, Any], region: str) -> Config:
    """$LATEST after UpdateFunctionCode."""
    updated = dict(config)
    if request.get("Architectures"):
        updated["Architectures"] = request["Architectures"]
    _apply_code(updated, package)
    return _in_progress(_stamped(updated, region))


def settled(config: Config) -> Config:
    """The configuration once its creation or update is done: Active, Successful."""
    done = {
        k: v
        for k, v in config.items()
        if not k.startswith(("StateReason", "LastUpdateStatusReason"))
    }
    done["State"] = "Active"
    done["LastUpdateStatus"] = "Successful"
    done["RevisionId"] = new_revision_id()
    return done


def failed(config: Config, reason: str) -> Config:
    done = {
        k: v
        for k, v in config.items()
        if not k.startswith(("StateReason", "LastUpdateStatusReason"))
    }
    creating = done.get("State") == "Pending"
    done.update(
        {"State": "Failed", "StateReason": reason, "StateReasonCode": "InternalError"}
        if creating
        else {
            "LastUpdateStatus": "Failed",
            "LastUpdateStatusReason": reason,
            "LastUpdateStatusReasonCode": "InternalError",
        }
    )
    done["RevisionId"] = new_revision_id()
    return done


def busy(config: Config) -> bool:
    return config.get("State") == "Pending" or config.get("LastUpdateStatus") == "InProgress"


def listed(config: Config, arn: str | None = None) -> Config:
    """How ListFunctions and ListVersionsByFunction show a configuration (no states)."""
    hidden = ("State", "LastUpdateStatus", "RuntimeVersionConfig")
    shown = {k: v for k, v in config.items() if not k.startswith(hidden)}
    if arn is not None:
        shown["FunctionArn"] = arn
    return shown


def published(config: Config, version: int, description: str | None) -> Config:
    """A version's configuration, frozen from $LATEST."""
    frozen = {
        **config,
        "Version": str(version),
        "FunctionArn": f"{config['FunctionArn']}:{version}",
    }
    if description is not None:
        frozen["Description"] = description
    frozen["RevisionId"] = new_revision_id()
    return frozen


def fingerprint(config: Config) -> str:
    """What $LATEST was when a version was published: its code and configuration, without
    identity, states and timestamps. Publishing again only makes a new version when it moved."""
    ignored = ("FunctionArn", "Version", "RevisionId", "LastModified", "State", "LastUpdateStatus")
    essence = {k: v for k, v in config.items() if not k.startswith(ignored)}
    return json.dumps(essence, sort_keys=True)


# --- checks ------------------------------------------------------------------------------------


def check_request(request: dict[str, Any]) -> None:
    """What AWS refuses beyond the model's own constraints."""
    for member, feature in _UNSUPPORTED.items():
        if request.get(member):
            raise not_supported(feature)
    if "Runtime" in request and request["Runtime"] not in RUNTIMES:
        raise InvalidParameterValue(
            f"Value {request['Runtime']} at 'runtime' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{', '.join(RUNTIMES)}] or be a valid ARN"
        )
    _check_bound("timeout", request.get("Timeout"), _MAX_TIMEOUT)
    _check_bound("memorySize", request.get("MemorySize"), _MAX_MEMORY)
    _check_bound(
        "ephemeralStorage.size", request.get("EphemeralStorage", {}).get("Size"), _MAX_MEMORY
    )
    _check_environment(request.get("Environment"))


def check_runtime_and_handler(request: dict[str, Any]) -> None:
    runtime = request.get("Runtime")
    if not runtime or (not request.get("Handler") and not runtime.startswith("provided")):
        raise InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages."
        )


def _check_bound(path: str, value: int | None, maximum: int) -> None:
    if value is not None and value > maximum:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
            f"constraint: Member must have value less than or equal to {maximum}"
        )


def _check_environment(environment: dict[str, Any] | None) -> None:
    variables: dict[str, str] = (environment or {}).get("Variables") or {}
    reserved = sorted(set(variables) & _RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > _MAX_ENVIRONMENT_BYTES:
        raise InvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )


# --- building ----------------------------------------------------------------------------------


def _echoed(request: dict[str, Any]) -> Config:
    return {member: request[member] for member in _ECHOED if member in request}


def _apply_optional(config: Config, request: dict[str, Any]) -> None:
    if "VpcConfig" in request:
        vpc = request["VpcConfig"]
        config["VpcConfig"] = {
            "SubnetIds": vpc.get("SubnetIds", []),
            "SecurityGroupIds": vpc.get("SecurityGroupIds", []),
            "VpcId": "",
            "Ipv6AllowedForDualStack": vpc.get("Ipv6AllowedForDualStack", False),
        }
    if "LoggingConfig" in request:
        config["LoggingConfig"] = {**config["LoggingConfig"], **request["LoggingConfig"]}
    if "SnapStart" in request:
        apply_on = request["SnapStart"].get("ApplyOn", "None")
        config["SnapStart"] = {"ApplyOn": apply_on, "OptimizationStatus": "Off"}


def _apply_code(config: Config, package: Package) -> None:
    config["CodeSha256"] = package.code_sha256
    config["CodeSize"] = package.size


def _stamped(config: Config, region: str) -> Config:
    config["LastModified"] = last_modified()
    config["RevisionId"] = new_revision_id()
    if config.get("Runtime"):
        config["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": runtime_version_arn(region, config["Runtime"])
        }
    return config


def _in_progress(config: Config) -> Config:
    config["LastUpdateStatus"] = "InProgress"
    config["LastUpdateStatusReason"] = CREATING
    config["LastUpdateStatusReasonCode"] = "Creating"
    return config
