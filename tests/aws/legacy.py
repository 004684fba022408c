"""botocore's old query model of SQS, when a copy of it is on this machine.

A development aid to check lambdalite's legacy query view of SQS against: lambdalite never reads
it, and the tests that use it skip, saying why, when it is absent. Google Cloud SDK ships one
(its bundled botocore 1.34 still spoke query to SQS); ``LAMBDALITE_LEGACY_SQS_MODEL`` names
another copy.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.model import ServiceModel

LEGACY_SQS_MODEL = Path(
    os.environ.get(
        "LAMBDALITE_LEGACY_SQS_MODEL",
        "/usr/lib/google-cloud-sdk/lib/third_party/botocore/data/sqs/2012-11-05/service-2.json",
    )
)


def legacy_sqs_model() -> ServiceModel:
    """The old query model of SQS, or a skip of the calling test when there is none."""
    raw = _legacy_raw()
    if raw is None:
        pytest.skip(
            f"botocore's legacy query model of SQS is not at {LEGACY_SQS_MODEL} (a development "
            "aid only: set LAMBDALITE_LEGACY_SQS_MODEL to the sqs/2012-11-05/service-2.json "
            "of a botocore from before April 2024, e.g. 1.34.22, to check against it)"
        )
    return ServiceModel(raw, service_name="sqs")


@functools.cache
def _legacy_raw() -> dict[str, object] | None:
    if not LEGACY_SQS_MODEL.is_file():
        return None
    raw: dict[str, object] = json.loads(LEGACY_SQS_MODEL.read_text())
    metadata = raw.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("protocol") != "query":
        return None  # a newer copy: SQS speaks json in it
    return raw


def legacy_sqs_client(endpoint: str, data_path: Path) -> Any:
    """A boto3 SQS client that speaks query as old SDKs did: it loads the legacy model, copied
    under ``data_path``, before its own (skips the calling test when there is none)."""
    legacy_sqs_model()
    target = data_path / "sqs" / "2012-11-05" / "service-2.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LEGACY_SQS_MODEL, target)
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(data_path))
    return boto3.Session(botocore_session=session).client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
