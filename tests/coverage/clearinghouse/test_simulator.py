"""Each simulator scenario end to end over real HTTP: a 270 goes to the running service,
and the 271 that comes back says what the scenario promises and echoes the inquiry."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from stepdown.coverage.clearinghouse.gateway import Answered, Failed, FailureKind, Outcome
from stepdown.coverage.clearinghouse.http_gateway import X12HttpGateway
from stepdown.coverage.clearinghouse.inquiry import read_270
from stepdown.coverage.clearinghouse.retry import reject_reasons, should_retry
from stepdown.coverage.clearinghouse.simulator import (
    RunningSimulator,
    Scenario,
    SimulatorGateway,
    render_271,
    scenario_for,
    serve,
)
from stepdown.kit.x12 import Segment, parse
from tests.coverage.clearinghouse.inquiries import (
    NOW,
    NPI,
    ORIGINATOR,
    PAYER_ID,
    TRACE,
    Dependent,
    build_270,
    loop,
    segments_of,
)

SLOW_SECONDS = 0.6  # the simulator's delay: longer than the client's timeout below
CLIENT_TIMEOUT = 0.3
BH = ("MH", "AI", "AJ", "AK", "BB", "A8")


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    running = serve(port=0, slow_seconds=SLOW_SECONDS)
    yield running
    running.stop()


def ask(simulator: RunningSimulator, text: str, timeout: float = 5.0) -> Outcome:
    return X12HttpGateway(simulator.url, timeout).inquire(text)


def answer(simulator: RunningSimulator, member_id: str, **inquiry: object) -> str:
    outcome = ask(simulator, build_270(member_id, **inquiry))  # type: ignore[arg-type]
    assert isinstance(outcome, Answered), outcome
    return outcome.text


def benefits(text: str, level: str = "22") -> dict[tuple[str, str, str, str], Segment]:
    """EB segments keyed by (EB01 benefit, EB03 service type, EB06 period, EB12 network)."""
    found = {}
    for eb in (s for s in loop(text, level) if s.id == "EB"):
        for code in eb.repetitions(3):
            found[(eb.get(1), code, eb.get(6), eb.get(12))] = eb
    return found


def test_an_active_member_has_behavioral_health_copays_in_and_out_of_network(
    simulator: RunningSimulator,
) -> None:
    text = answer(simulator, "ACT1001")
    found = benefits(text)
    assert found[("1", "30", "", "")].get(4) == "C1"
    assert {code for (benefit, code, _, _) in found if benefit == "1"} >= {"30", *BH}
    for code in ("30", *BH):
        in_network = found[("B", code, "27", "Y")].get(7)
        out_of_network = found[("B", code, "27", "N")].get(7)
        assert float(out_of_network) > float(in_network) > 0
    assert found[("B", "BB", "27", "Y")].get(7) == "100"
    assert not reject_reasons(text)
    assert not should_retry(Answered(text))


def test_the_271_echoes_the_inquiry(simulator: RunningSimulator) -> None:
    text = answer(simulator, "ACT1001", last="O'NEIL", first="ANA", birth_date="19850214")
    segments = parse(text)
    assert [s.get(1) for s in segments if s.id in ("GS", "ST")] == ["HB", "271"]
    assert segments_of(text, "GS")[0].get(8) == "005010X279A1"
    assert segments_of(text, "ISA")[0].get(6).strip() == "SIMULATOR"  # the roles swap
    assert segments_of(text, "BHT")[0].elements[:3] == ("0022", "11", "REF42")
    source, receiver, subscriber = loop(text, "20"), loop(text, "21"), loop(text, "22")
    assert source[0].elements == ("PR", "2", "SIMULATED PAYER", "", "", "", "", "PI", PAYER_ID)
    assert receiver[0].get(9) == NPI
    assert subscriber[0].elements == ("2", TRACE, ORIGINATOR)
    name = subscriber[1]
    assert (name.id, name.get(1), name.get(3), name.get(4)) == ("NM1", "IL", "O'NEIL", "ANA")
    assert (name.get(8), name.get(9)) == ("MI", "ACT1001")
    assert subscriber[2].elements == ("D8", "19850214", "F")
    assert subscriber[3].elements == ("346", "D8", "20260101")  # plan begin, the service year


def test_a_carve_out_names_the_other_payer_and_its_phone(simulator: RunningSimulator) -> None:
    segments = loop(answer(simulator, "CRV2002"), "22")
    ids = [s.id for s in segments]
    start = ids.index("LS")
    carved = segments[start - 2]
    assert (carved.id, carved.get(1)) == ("EB", "1")
    assert set(carved.repetitions(3)) == set(BH)
    assert segments[start - 1].id == "MSG"
    assert [s.id for s in segments[start : start + 4]] == ["LS", "NM1", "PER", "LE"]
    other, phone = segments[start + 1], segments[start + 2]
    assert (other.get(1), other.get(3), other.get(8)) == ("PR", "SIMULATED BEHAVIORAL HEALTH", "PI")
    assert phone.elements == ("IC", "", "TE", "8005550199")
    assert segments[start].get(1) == segments[start + 3].get(1) == "2120"


def test_authorization_is_required_for_substance_abuse_and_partial_hospitalization(
    simulator: RunningSimulator,
) -> None:
    found = benefits(answer(simulator, "AUTH3003"))
    assert found[("B", "AI", "27", "Y")].get(11) == "Y"
    assert found[("B", "BB", "27", "Y")].get(11) == "Y"
    days = found[("F", "BB", "23", "Y")]
    assert (days.get(9), days.get(10)) == ("DY", "20")
    visits = found[("F", "AI", "23", "Y")]
    assert (visits.get(9), visits.get(10)) == ("VS", "30")


def test_the_deductible_has_a_total_and_what_remains(simulator: RunningSimulator) -> None:
    found = benefits(answer(simulator, "ded4004"))  # the prefix is case-insensitive
    assert found[("C", "30", "23", "Y")].get(7) == "1500"
    assert found[("C", "30", "29", "Y")].get(7) == "650"
    assert found[("G", "30", "29", "Y")].get(7) == "3200"
    assert found[("A", "MH", "", "Y")].get(8) == "0.2"


def test_an_inactive_member_is_inactive_with_a_plan_that_ended(
    simulator: RunningSimulator,
) -> None:
    subscriber = loop(answer(simulator, "INA5005"), "22")
    assert [s.get(1) for s in subscriber if s.id == "EB"] == ["6"]
    dates = {s.get(1): s.get(3) for s in subscriber if s.id == "DTP"}
    assert dates == {"346": "20250101", "347": "20251231"}


def test_aaa_42_comes_from_the_payer_loop_and_is_retried(simulator: RunningSimulator) -> None:
    text = answer(simulator, "A42X")
    payer = loop(text, "20")
    assert [s.id for s in payer] == ["NM1", "AAA"]
    assert payer[1].elements == ("Y", "", "42", "R")
    assert not segments_of(text, "EB")
    assert segments_of(text, "TRN")[0].get(2) == TRACE  # still matched to our inquiry
    assert should_retry(Answered(text))


@pytest.mark.parametrize("code", ["72", "75"])
def test_aaa_72_and_75_reject_the_subscriber_and_are_never_retried(
    simulator: RunningSimulator, code: str
) -> None:
    text = answer(simulator, f"A{code}0001")
    subscriber = loop(text, "22")
    assert [s.id for s in subscriber[:3]] == ["TRN", "NM1", "AAA"]
    assert subscriber[2].elements == ("N", "", code, "C")
    assert not segments_of(text, "EB")
    assert reject_reasons(text) == (code,)
    assert not should_retry(Answered(text))


def test_a_slow_payer_times_out_at_the_client(simulator: RunningSimulator) -> None:
    outcome = ask(simulator, build_270("SLOW6006"), timeout=CLIENT_TIMEOUT)
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.TIMEOUT
    assert should_retry(outcome)


def test_a_failing_clearinghouse_is_a_server_error(simulator: RunningSimulator) -> None:
    outcome = ask(simulator, build_270("ERR7007"))
    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.status) == (FailureKind.SERVER_ERROR, 500)
    assert should_retry(outcome)


def test_a_mismatched_answer_is_for_someone_else(simulator: RunningSimulator) -> None:
    text = answer(simulator, "MIS8008")
    subscriber = loop(text, "22")
    assert subscriber[0].get(2) != TRACE
    assert subscriber[1].get(9) != "MIS8008"
    assert subscriber[2].get(2) != "19850214"
    assert segments_of(text, "EB")  # otherwise a plausible active answer


def test_any_other_member_id_is_active(simulator: RunningSimulator) -> None:
    assert scenario_for("W123456789") is Scenario.ACTIVE
    assert ("1", "30", "", "") in benefits(answer(simulator, "W123456789"))


def test_a_dependent_is_answered_in_the_dependent_loop(simulator: RunningSimulator) -> None:
    text = answer(simulator, "DED9009", dependent=Dependent(first="LUIS"))
    subscriber, dependent = loop(text, "22"), loop(text, "23")
    assert [s.id for s in subscriber] == ["NM1", "DMG"]  # no TRN, no benefits
    assert subscriber[0].get(9) == "DED9009"
    assert dependent[0].elements == ("2", TRACE, ORIGINATOR)
    assert (dependent[1].get(1), dependent[1].get(4)) == ("03", "LUIS")
    assert dependent[2].elements == ("D8", "20100607", "M")
    assert benefits(text, "23")[("C", "30", "29", "Y")].get(7) == "650"


def test_what_is_not_a_270_is_refused_with_400(simulator: RunningSimulator) -> None:
    outcome = ask(simulator, "hello")
    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.status) == (FailureKind.SERVER_ERROR, 400)
    assert not should_retry(outcome)


def test_nobody_listening_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = X12HttpGateway(f"http://127.0.0.1:{port}/", 1.0).inquire(build_270("ACT1"))
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.UNREACHABLE
    assert should_retry(outcome)


def test_an_answer_that_is_not_a_271_is_malformed() -> None:
    html = X12HttpGateway("http://127.0.0.1:1/", 1.0, transport=lambda *_: b"<html>busy</html>")
    outcome = html.inquire(build_270("ACT1"))
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.MALFORMED
    assert not should_retry(outcome)


class TestInProcess:
    """The demo's default: the same answers without a socket."""

    def test_it_answers_what_the_service_answers(self, simulator: RunningSimulator) -> None:
        text = build_270("AUTH3003")
        outcome = SimulatorGateway(now=lambda: NOW).inquire(text)
        assert outcome == Answered(render_271(read_270(text), Scenario.AUTHORIZATION, NOW))
        assert isinstance(outcome, Answered)
        assert benefits(answer(simulator, "AUTH3003")).keys() == benefits(outcome.text).keys()

    def test_a_slow_payer_waits_out_the_timeout_and_fails(self) -> None:
        slept: list[float] = []
        gateway = SimulatorGateway(timeout=7.0, sleep=slept.append, now=lambda: NOW)
        outcome = gateway.inquire(build_270("SLOW1"))
        assert isinstance(outcome, Failed)
        assert outcome.kind is FailureKind.TIMEOUT
        assert slept == [7.0]

    def test_a_failing_clearinghouse_is_a_server_error(self) -> None:
        outcome = SimulatorGateway(now=lambda: NOW).inquire(build_270("ERR1"))
        assert isinstance(outcome, Failed)
        assert (outcome.kind, outcome.status) == (FailureKind.SERVER_ERROR, 500)


def test_a_rejected_dependent_inquiry_still_carries_its_trace(
    simulator: RunningSimulator,
) -> None:
    text = answer(simulator, "A75X", dependent=Dependent())
    assert not loop(text, "23")
    subscriber = loop(text, "22")
    assert subscriber[0].elements == ("2", TRACE, ORIGINATOR)
    assert subscriber[2].elements == ("N", "", "75", "C")
