"""HTTP/S delivery policies: what a subscription keeps, what is in effect, and when each retry
of a failed delivery is due.

* Shapes recorded against AWS in localstack/localstack tests/aws/services/sns/test_sns.snapshot.json
  (``test_subscribe_external_http_endpoint_content_type``): a subscription's ``DeliveryPolicy``
  is kept with all five members (``healthyRetryPolicy``, ``sicklyRetryPolicy``,
  ``throttlePolicy``, ``requestPolicy``, ``guaranteed``), null where not given; its
  ``EffectiveDeliveryPolicy`` fills ``healthyRetryPolicy`` and ``requestPolicy`` from the
  topic's effective HTTP policy.
* https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html: the four phases
  (immediate, pre-backoff at minDelayTarget, backoff from min to max delay, post-backoff at
  maxDelayTarget); numRetries counts them all; the backoff function is linear, arithmetic,
  geometric or exponential; the whole policy may not retry for more than 3,600 s. AWS-managed
  endpoints (Lambda, SQS) retry 3 times at once, twice 1 s apart, 10 times backing off
  exponentially from 1 s to 20 s, then every 20 s (100,015 attempts over 23 days).

Not documented by AWS, hence choices: the exact curves of the backoff functions (here the
delay goes from min to max with the phase's progress t as t, t², the geometric mean
min·(max/min)^t and (2^(5t)-1)/31), and no jitter (AWS adds some), so that retries are
reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lambdalite.services.sns.errors import InvalidParameter

_MEMBERS = ("healthyRetryPolicy", "sicklyRetryPolicy", "throttlePolicy", "requestPolicy")
_BACKOFFS = ("linear", "arithmetic", "geometric", "exponential")
_COUNTS = ("numRetries", "numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries")
_MAX_DELAY_SECONDS = 3600
_MAX_RETRIES = 100

#: The policy SNS applies to the endpoints AWS manages (Lambda and SQS), per the table above.
MANAGED_POLICY: dict[str, Any] = {
    "minDelayTarget": 1,
    "maxDelayTarget": 20,
    "numRetries": 100_014,
    "numNoDelayRetries": 3,
    "numMinDelayRetries": 2,
    "numMaxDelayRetries": 100_000,
    "backoffFunction": "exponential",
}


def stored(text: str, prefix: str) -> str:
    """A subscription's DeliveryPolicy as AWS keeps it, checked."""
    try:
        given = json.loads(text)
    except ValueError:
        raise InvalidParameter(f"{prefix}DeliveryPolicy: failed to parse JSON.") from None
    if not isinstance(given, dict):
        raise InvalidParameter(f"{prefix}DeliveryPolicy: failed to parse JSON.")
    healthy = given.get("healthyRetryPolicy")
    if healthy is not None:
        _check_retry_policy(healthy, prefix)
    kept: dict[str, Any] = {name: given.get(name) for name in _MEMBERS}
    kept["guaranteed"] = bool(given.get("guaranteed", False))
    return json.dumps(kept, separators=(",", ":"))


def _check_retry_policy(policy: Any, prefix: str) -> None:
    if not isinstance(policy, dict) or not _retry_policy_ok(policy):
        raise InvalidParameter(f"{prefix}DeliveryPolicy: healthyRetryPolicy is invalid")


def _retry_policy_ok(policy: Mapping[str, Any]) -> bool:
    low, high = policy.get("minDelayTarget", 20), policy.get("maxDelayTarget", 20)
    counts = [policy.get(name, 0) for name in _COUNTS]
    numbers_ok = all(isinstance(n, int) and not isinstance(n, bool) for n in (low, high, *counts))
    if not numbers_ok or policy.get("backoffFunction", "linear") not in _BACKOFFS:
        return False
    phases = sum(counts[1:])
    return bool(1 <= low <= high <= _MAX_DELAY_SECONDS and 0 <= phases <= counts[0] <= _MAX_RETRIES)


def effective(stored_text: str | None, topic_http: Mapping[str, Any]) -> dict[str, Any]:
    """The EffectiveDeliveryPolicy of an HTTP/S subscription."""
    own = json.loads(stored_text) if stored_text else dict.fromkeys(_MEMBERS)
    overridable = not topic_http.get("disableSubscriptionOverrides", False)
    healthy = own.get("healthyRetryPolicy") if overridable else None
    request = own.get("requestPolicy") if overridable else None
    return {
        "healthyRetryPolicy": {**topic_http["defaultHealthyRetryPolicy"], **(healthy or {})},
        "sicklyRetryPolicy": own.get("sicklyRetryPolicy"),
        "throttlePolicy": own.get("throttlePolicy") or topic_http.get("defaultThrottlePolicy"),
        "requestPolicy": request or topic_http["defaultRequestPolicy"],
        "guaranteed": bool(own.get("guaranteed", False)),
    }


def retry_delay(policy: Mapping[str, Any], retry: int) -> float | None:
    """Seconds to wait before retry number ``retry`` (1-based), None once none is left."""
    if retry > int(policy.get("numRetries", 0)):
        return None
    low = float(policy.get("minDelayTarget", 20))
    high = float(policy.get("maxDelayTarget", 20))
    immediate = int(policy.get("numNoDelayRetries", 0))
    at_min = int(policy.get("numMinDelayRetries", 0))
    at_max = int(policy.get("numMaxDelayRetries", 0))
    backoff = int(policy["numRetries"]) - immediate - at_min - at_max
    if retry <= immediate:
        return 0.0
    if retry <= immediate + at_min:
        return low
    step = retry - immediate - at_min
    if step > backoff:
        return high
    progress = (step - 1) / (backoff - 1) if backoff > 1 else 0.0
    return _curve(str(policy.get("backoffFunction", "linear")), low, high, progress)


def _curve(function: str, low: float, high: float, t: float) -> float:
    if function == "arithmetic":
        return low + (high - low) * t * t
    if function == "geometric":
        return low * (high / low) ** t if low > 0 else high * t
    if function == "exponential":
        return low + (high - low) * (2 ** (5 * t) - 1) / 31
    return low + (high - low) * t
