"""Routes to the payer for eligibility: one gateway interface, a local simulator, X12 over
HTTP and a clearinghouse JSON API, and the retry policy around them."""

from stepdown.coverage.clearinghouse.factory import gateway_from_settings
from stepdown.coverage.clearinghouse.gateway import (
    Answered,
    EligibilityGateway,
    Failed,
    FailureKind,
    Outcome,
)
from stepdown.coverage.clearinghouse.retry import Retried, call_with_retry, should_retry

__all__ = [
    "Answered",
    "EligibilityGateway",
    "Failed",
    "FailureKind",
    "Outcome",
    "Retried",
    "call_with_retry",
    "gateway_from_settings",
    "should_retry",
]
