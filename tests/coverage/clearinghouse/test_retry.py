"""The retry policy: what is asked again, how long the waits are, and the deadline."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.coverage.clearinghouse.gateway import Answered, Failed, FailureKind, Outcome
from stepdown.coverage.clearinghouse.retry import (
    Retried,
    call_with_retry,
    delays,
    reject_reasons,
    should_retry,
)
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway, respond
from tests.coverage.clearinghouse.inquiries import NOW, build_270

# AAA03 codes a 271 can carry for bad demographics or a bad request (005010X279A1 AAA
# reject reasons): asking again cannot change the answer.
FIX_THE_REQUEST = ["15", "43", "51", "56", "57", "58", "63", "71", "72", "73", "75", "76", "79"]


def answered(member_id: str) -> Answered:
    return Answered(respond(build_270(member_id), now=NOW).body)


@dataclass
class FakeTime:
    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Scripted:
    """A gateway that answers from a script and uses up the time it was given when the
    answer is a timeout."""

    script: Sequence[Outcome]
    time: FakeTime
    timeouts: list[float] = field(default_factory=list)

    def inquire(self, text: str, *, timeout: float | None = None) -> Outcome:
        assert timeout is not None
        outcome = self.script[min(len(self.timeouts), len(self.script) - 1)]
        self.timeouts.append(timeout)
        if isinstance(outcome, Failed) and outcome.kind is FailureKind.TIMEOUT:
            self.time.now += timeout
        return outcome


TIMEOUT = Failed(FailureKind.TIMEOUT, "no answer")


@given(
    attempts=st.integers(0, 12),
    base=st.floats(0.01, 5.0),
    cap=st.floats(0.01, 30.0),
    seed=st.integers(0, 2**32),
)
def test_waits_grow_never_shrink_and_never_pass_the_cap(
    attempts: int, base: float, cap: float, seed: int
) -> None:
    waits = delays(attempts, base, cap, random.Random(seed))
    assert len(waits) == max(attempts - 1, 0)
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert all(min(base, cap) <= w <= cap for w in waits)


def test_the_default_waits_are_about_one_then_two_seconds() -> None:
    first, second = delays(3, 1.0, 4.0, random.Random(7))
    assert 1.0 <= first < 1.5
    assert 2.0 <= second < 3.0


@given(
    attempts=st.integers(1, 8),
    timeout=st.floats(0.1, 20.0),
    deadline=st.floats(0.5, 60.0),
    seed=st.integers(0, 2**32),
)
def test_a_payer_that_never_answers_is_given_up_on_within_the_deadline(
    attempts: int, timeout: float, deadline: float, seed: int
) -> None:
    time = FakeTime()
    gateway = Scripted([TIMEOUT], time)
    result = call_with_retry(
        gateway,
        "270",
        timeout=timeout,
        sleep=time.sleep,
        clock=time.clock,
        rng=random.Random(seed),
        attempts=attempts,
        deadline=deadline,
    )
    assert result.outcome is TIMEOUT
    assert 1 <= result.attempts == len(gateway.timeouts) <= attempts
    assert time.now <= max(deadline, 0) + 1e-9
    assert all(t <= timeout for t in gateway.timeouts)


def test_aaa_42_is_asked_again_until_the_payer_answers() -> None:
    time = FakeTime()
    busy, fine = answered("A42"), answered("ACT1")
    gateway = Scripted([busy, TIMEOUT, fine], time)
    result = call_with_retry(
        gateway, "270", timeout=5.0, sleep=time.sleep, clock=time.clock, rng=random.Random(1)
    )
    assert result == Retried(fine, 3)
    assert len(time.slept) == 2
    assert time.slept[0] < time.slept[1]


@pytest.mark.parametrize("member_id", ["A72", "A75", "INA1", "ACT1"])
def test_a_271_that_retrying_cannot_change_is_taken_at_once(member_id: str) -> None:
    time = FakeTime()
    gateway = Scripted([answered(member_id)], time)
    result = call_with_retry(gateway, "270", timeout=5.0, sleep=time.sleep, clock=time.clock)
    assert result.attempts == 1
    assert time.slept == []


@given(code=st.sampled_from(FIX_THE_REQUEST), with_42=st.booleans())
def test_a_rejected_request_is_never_retried_even_beside_a_42(code: str, with_42: bool) -> None:
    text = answered("A72").text.replace("AAA*N**72*C", f"AAA*N**{code}*C")
    if with_42:
        text = text.replace("SIMPAYER~", "SIMPAYER~AAA*Y**42*R~", 1)
    assert reject_reasons(text) == ((("42",) if with_42 else ()) + (code,))
    assert not should_retry(Answered(text))


@pytest.mark.parametrize(
    ("outcome", "again"),
    [
        (TIMEOUT, True),
        (Failed(FailureKind.UNREACHABLE, "refused"), True),
        (Failed(FailureKind.SERVER_ERROR, "HTTP 500", status=500), True),
        (Failed(FailureKind.SERVER_ERROR, "HTTP 503", status=503), True),
        (Failed(FailureKind.SERVER_ERROR, "HTTP 429", status=429), True),
        (Failed(FailureKind.SERVER_ERROR, "HTTP 400", status=400), False),
        (Failed(FailureKind.SERVER_ERROR, "HTTP 401", status=401), False),
        (Failed(FailureKind.MALFORMED, "not a 271"), False),
    ],
)
def test_transport_failures(outcome: Outcome, again: bool) -> None:
    assert should_retry(outcome) is again


def test_the_in_process_simulator_is_retried_on_its_server_error() -> None:
    time = FakeTime()
    gateway = SimulatorGateway(sleep=time.sleep, now=lambda: NOW)
    result = call_with_retry(
        gateway, build_270("ERR1"), timeout=5.0, sleep=time.sleep, clock=time.clock
    )
    assert result.attempts == 3
    assert isinstance(result.outcome, Failed)
    assert result.outcome.status == 500
