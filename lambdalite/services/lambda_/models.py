"""How the Lambda control plane keeps its state: record kinds, keys and time formats.

Every per-function record is keyed ``<function name>:<rest>``: a function name cannot contain
``:``, so the prefix ``<name>:`` selects exactly that function's records (used to delete them
together with the function).
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from lambdalite.ids import new_uuid


class Kind:
    FUNCTION = "lambda.function"  # <name>
    VERSION = "lambda.version"  # <name>:<version, 8 digits>
    ALIAS = "lambda.alias"  # <name>:<alias>
    POLICY = "lambda.policy"  # <name>:<qualifier or "">
    EVENT_INVOKE_CONFIG = "lambda.event-invoke-config"  # <name>:<qualifier or "$LATEST">
    URL_CONFIG = "lambda.url-config"  # <name>:<qualifier or "">
    PROVISIONED_CONCURRENCY = "lambda.provisioned-concurrency"  # <name>:<qualifier>
    LAYER_VERSION = "lambda.layer-version"  # <layer name>:<version, 8 digits>
    EVENT_SOURCE_MAPPING = "lambda.event-source-mapping"  # <uuid>
    URL_ID = "lambda.url-id"  # <url id>, in the scope ("", ""): a URL names no account


#: Records that live and die with their function.
FUNCTION_SCOPED = (
    Kind.VERSION,
    Kind.ALIAS,
    Kind.POLICY,
    Kind.EVENT_INVOKE_CONFIG,
    Kind.URL_CONFIG,
    Kind.PROVISIONED_CONCURRENCY,
)


def version_key(name: str, version: int) -> str:
    return f"{name}:{version:08d}"


def scoped_key(name: str, rest: str = "") -> str:
    return f"{name}:{rest}"


def new_revision_id() -> str:
    return new_uuid()


def last_modified(epoch: float | None = None) -> str:
    """``2024-01-11T09:49:02.956+0000``: Lambda's own timestamp format (a string, not epoch)."""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def runtime_version_arn(region: str, runtime: str) -> str:
    """A stable runtime version ARN per runtime (AWS publishes one per runtime release)."""
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"
