"""Recorded AWS scenarios about function URL configs (35) and event source mappings (31-33).

Of 31-33 only the CreateEventSourceMapping responses are replayed here: the other keys need a
queue service and Invoke (31 ``events``; 32 ``send-message-batch-result-10``,
``send-message-batch-result-5``, ``Records``; 33 ``get_destination_queue_url``,
``send_message_batch``, ``first_invocation``, ``second_invocation``, ``dlq_response``).
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.aws_errors import error_of

from .conftest import active_function
from .snapshot import Snapshot, recorded

QUEUES = "arn:aws:sqs:us-east-1:000000000000"


def url_replaced(response: dict[str, Any]) -> dict[str, Any]:
    """The response as LocalStack's transformer recorded it: FunctionUrl -> "lambda-url"."""
    url = response["FunctionUrl"]
    assert re.fullmatch(r"http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+/", url), url
    return {**response, "FunctionUrl": "lambda-url"}


def test_35_function_url_config_lifecycle(lam: Any, snapshot: Snapshot) -> None:
    case = "35_function_url_config_lifecycle"
    name = "url-lifecycle-fn"
    active_function(lam, name)

    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    snapshot.match(recorded(case, "url_creation"), url_replaced(created))
    duplicate = error_of(lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    snapshot.match(recorded(case, "failed_duplication"), duplicate)
    fetched = lam.get_function_url_config(FunctionName=name)
    snapshot.match(recorded(case, "get_url_config"), url_replaced(fetched))
    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    snapshot.match(recorded(case, "updated_url_config"), url_replaced(updated))
    assert created["FunctionUrl"] == fetched["FunctionUrl"] == updated["FunctionUrl"]

    lam.delete_function_url_config(FunctionName=name)
    missing = error_of(lambda: lam.get_function_url_config(FunctionName=name))
    snapshot.match(recorded(case, "failed_getter"), missing)
