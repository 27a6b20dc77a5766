"""A local clearinghouse: answers a 270 with a scenario-driven 271, so the demo and the tests
exercise every path (benefits, carve-out, authorization, deductible, inactive, AAA rejects,
a slow payer, a failing clearinghouse, a response for someone else) without a payer.

The scenario is chosen by the subscriber's member id (NM109 of 2100C), by prefix,
case-insensitive; any other id is ACTIVE:

    ACT   active, behavioral-health copays (30 MH AI AJ AK BB A8) in and out of network
    CRV   medical active; behavioral health carved out to another payer (2120C name, phone)
    AUTH  active; AI and BB (partial hospitalization) need prior authorization (EB11=Y),
          with visit and day limits, and a deductible partly met
    DED   active; deductible and out-of-pocket totals and what remains, coinsurance
    INA   inactive (EB01=6), the plan ended last year
    A42   AAA03 42 Unable to Respond at Current Time, in 2100A (the payer's system)
    A72   AAA03 72 Invalid/Missing Subscriber/Insured ID, in 2100C
    A75   AAA03 75 Subscriber/Insured Not Found, in 2100C
    SLOW  an ACTIVE 271, but only after ``slow_seconds`` (longer than any client timeout)
    ERR   HTTP 500, no 271
    MIS   an ACTIVE 271 for someone else: member id, trace number and first name differ

Every 271 echoes the inquiry: BHT03, the payer (2100A) and provider (2100B) names, the
subscriber's (and dependent's) name, member id and birth date, and each 270 TRN as TRN01=2
at the patient's level, as 005010X279A1 asks of the information source.

Structure (005010X279A1 271): HL 20 / NM1*PR [AAA], HL 21 / NM1*1P, HL 22 / TRN / NM1*IL
[AAA] / DMG / DTP*346 (plan begin) [DTP*347] / EB [MSG] [LS*2120 NM1 PER LE*2120], and
HL 23 / TRN / NM1*03 / DMG / DTP / EB when the inquiry is about a dependent. Carve-outs
follow X12 RFI 1440: EB01 1-5 with the other plan in the 2120 loop (EB01=U is reserved for
an entity that holds the whole eligibility). The segment shapes were checked against the
public 271 samples in Stedi's Real-Time Eligibility Check OpenAPI example and a state
Medicaid 271 (``LS*2120~NM1*PR*2*...*PI*...~PER*IC**TE*...~LE*2120``).
Dollar amounts, names and phone numbers (555-01xx, reserved for fiction) are invented.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stepdown.coverage.clearinghouse.gateway import Failed, FailureKind, Outcome, read_271
from stepdown.coverage.clearinghouse.inquiry import Inquiry, Name, Person, Trace, read_270
from stepdown.coverage.clearinghouse.transport import EDI_CONTENT_TYPE
from stepdown.kit.clock import utc_now
from stepdown.kit.x12 import Delimiters, Envelope, X12Error, render

# Longer than the largest client timeout the settings allow (eligibility_timeout_seconds).
SLOW_SECONDS = 90.0
BH_SERVICE_TYPES = ("MH", "AI", "AJ", "AK", "BB", "A8")
_REPEAT = Delimiters().repetition


class Scenario(StrEnum):
    ACTIVE = "ACT"
    CARVE_OUT = "CRV"
    AUTHORIZATION = "AUTH"
    DEDUCTIBLE = "DED"
    INACTIVE = "INA"
    UNABLE_TO_RESPOND = "A42"
    INVALID_MEMBER_ID = "A72"
    MEMBER_NOT_FOUND = "A75"
    SLOW = "SLOW"
    SERVER_ERROR = "ERR"
    MISMATCH = "MIS"


def scenario_for(member_id: str) -> Scenario:
    wanted = member_id.upper()
    return next((s for s in Scenario if wanted.startswith(s.value)), Scenario.ACTIVE)


@dataclass(frozen=True)
class Reply:
    """What the clearinghouse sends back: an HTTP status, a body, and how long it takes."""

    status: int
    body: str
    delay: float = 0.0


def respond(text: str, *, now: datetime, slow_seconds: float = SLOW_SECONDS) -> Reply:
    try:
        inquiry = read_270(text)
    except X12Error as exc:
        return Reply(HTTPStatus.BAD_REQUEST, f"not a 270 inquiry: {exc}")
    scenario = scenario_for(inquiry.subscriber.name.id)
    if scenario is Scenario.SERVER_ERROR:
        return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, "simulated clearinghouse failure")
    body = render_271(inquiry, scenario, now)
    return Reply(HTTPStatus.OK, body, slow_seconds if scenario is Scenario.SLOW else 0.0)


def render_271(inquiry: Inquiry, scenario: Scenario, now: datetime) -> str:
    if scenario is Scenario.MISMATCH:
        inquiry = _someone_else(inquiry)
    served = _d8(inquiry.patient.service_date) or now.date()
    rejected = scenario in (Scenario.INVALID_MEMBER_ID, Scenario.MEMBER_NOT_FOUND)
    answered = scenario is not Scenario.UNABLE_TO_RESPOND and not rejected
    dependent = inquiry.dependent if not rejected else None
    body: list[list[str]] = [
        ["BHT", "0022", "11", inquiry.reference, now.strftime("%Y%m%d"), now.strftime("%H%M")],
        ["HL", "1", "", "20", "1"],
        _nm1("PR", inquiry.payer),
    ]
    if scenario is Scenario.UNABLE_TO_RESPOND:
        body.append(["AAA", "Y", "", "42", "R"])  # valid request; R: resubmission allowed
    body += [["HL", "2", "1", "21", "1"], _nm1("1P", inquiry.provider)]
    body.append(["HL", "3", "2", "22", "1" if dependent else "0"])
    subscriber = inquiry.subscriber
    # A rejected dependent's TRN comes back on the subscriber, the only loop left to match.
    body += _traces(inquiry.patient) if dependent is None else []
    body.append(_nm1("IL", subscriber.name))
    if rejected:
        code = "72" if scenario is Scenario.INVALID_MEMBER_ID else "75"
        body.append(["AAA", "N", "", code, "C"])  # C: please correct and resubmit
    body += _demographics(subscriber)
    if dependent is None and answered:
        body += _plan_dates(scenario, served) + benefits(scenario)
    if dependent is not None:
        body += [["HL", "4", "3", "23", "0"], *_traces(dependent), _nm1("03", dependent.name)]
        body += _demographics(dependent)
        if answered:
            body += _plan_dates(scenario, served) + benefits(scenario)
    envelope = Envelope(
        sender=inquiry.receiver,
        receiver=inquiry.sender,
        interchange_control=inquiry.interchange_control or 1,
        group_control=inquiry.interchange_control or 1,
        functional_id="HB",
        version="005010X279A1",
        created_at=now,
    )
    return render(envelope, [body])


def benefits(scenario: Scenario) -> list[list[str]]:
    """The 2110C/2110D loops of an answered inquiry."""
    if scenario is Scenario.INACTIVE:
        return [_eb("6", "", ["30"]), ["MSG", "COVERAGE TERMINATED"]]
    if scenario is Scenario.CARVE_OUT:
        return [
            _eb("1", "", ["30"], insurance="C1", plan="SIMULATED MEDICAL PLAN"),
            _eb("1", "", BH_SERVICE_TYPES),
            ["MSG", "BEHAVIORAL HEALTH BENEFITS ARE ADMINISTERED BY ANOTHER PAYER"],
            ["LS", "2120"],
            ["NM1", "PR", "2", "SIMULATED BEHAVIORAL HEALTH", "", "", "", "", "PI", "SIMBH01"],
            ["PER", "IC", "", "TE", "8005550199"],
            ["LE", "2120"],
        ]
    plan = _eb("1", "", ["30", *BH_SERVICE_TYPES], insurance="C1", plan="SIMULATED PPO")
    if scenario is Scenario.AUTHORIZATION:
        return [
            plan,
            _eb("B", "IND", ["AI"], period="27", amount="40", auth="Y", network="Y"),
            _eb("B", "IND", ["BB"], period="27", amount="100", auth="Y", network="Y"),
            _eb("F", "IND", ["AI"], period="23", unit="VS", quantity="30", network="Y"),
            _eb("F", "IND", ["BB"], period="23", unit="DY", quantity="20", network="Y"),
            _eb("C", "IND", ["30"], period="23", amount="1000", network="Y"),
            _eb("C", "IND", ["30"], period="29", amount="400", network="Y"),
            ["MSG", "PRIOR AUTHORIZATION REQUIRED FOR SUBSTANCE ABUSE AND PARTIAL HOSPITALIZATION"],
        ]
    if scenario is Scenario.DEDUCTIBLE:
        return [
            plan,
            _eb("C", "IND", ["30"], period="23", amount="1500", network="Y"),
            _eb("C", "IND", ["30"], period="29", amount="650", network="Y"),
            _eb("C", "IND", ["30"], period="23", amount="3000", network="N"),
            _eb("C", "IND", ["30"], period="29", amount="3000", network="N"),
            _eb("G", "IND", ["30"], period="23", amount="5000", network="Y"),
            _eb("G", "IND", ["30"], period="29", amount="3200", network="Y"),
            _eb("A", "IND", BH_SERVICE_TYPES, percent="0.2", network="Y"),
            _eb("A", "IND", BH_SERVICE_TYPES, percent="0.4", network="N"),
        ]
    copays = [
        _eb("B", "IND", [code], period="27", amount=amount, network=network)
        for code, in_network, out_of_network in _COPAYS
        for amount, network in ((in_network, "Y"), (out_of_network, "N"))
    ]
    return [plan, *copays, ["MSG", "COPAY PER VISIT"]]


# Invented copays per visit (EB06 27), in network and out of network.
_COPAYS = (
    ("30", "30", "60"),
    ("MH", "25", "50"),
    ("AI", "25", "50"),
    ("AJ", "25", "50"),
    ("AK", "25", "50"),
    ("BB", "100", "200"),
    ("A8", "40", "80"),
)


def _eb(
    code: str,
    level: str,
    service_types: Sequence[str],
    *,
    insurance: str = "",
    plan: str = "",
    period: str = "",
    amount: str = "",
    percent: str = "",
    unit: str = "",
    quantity: str = "",
    auth: str = "",
    network: str = "",
) -> list[str]:
    """EB01 benefit, EB02 coverage level, EB03 service types, EB04 insurance type, EB05
    plan, EB06 time period (23 calendar year, 27 visit, 29 remaining), EB07 amount, EB08
    percent, EB09 quantity unit (VS visits, DY days), EB10 quantity, EB11 authorization
    required, EB12 in plan network."""
    types = _REPEAT.join(service_types)
    return [
        "EB",
        *(code, level, types, insurance, plan, period, amount, percent, unit, quantity),
        *(auth, network),
    ]


def _nm1(entity: str, name: Name) -> list[str]:
    return [
        "NM1",
        entity,
        name.entity_type,
        name.last_or_organization,
        name.first,
        name.middle,
        "",
        name.suffix,
        name.id_qualifier,
        name.id,
    ]


def _traces(person: Person) -> list[list[str]]:
    return [["TRN", "2", t.number, t.originator, t.supplemental] for t in person.traces]


def _demographics(person: Person) -> list[list[str]]:
    return [["DMG", "D8", person.birth_date, person.gender]] if person.birth_date else []


def _plan_dates(scenario: Scenario, served: date) -> list[list[str]]:
    if scenario is Scenario.INACTIVE:
        year = served.year - 1
        return [
            ["DTP", "346", "D8", f"{year}0101"],
            ["DTP", "347", "D8", f"{year}1231"],
        ]
    return [["DTP", "346", "D8", f"{served.year}0101"]]


def _d8(value: str) -> date | None:
    """A CCYYMMDD date, or the first day of a CCYYMMDD-CCYYMMDD range (RD8)."""
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()  # noqa: DTZ007 - a calendar day
    except ValueError:
        return None


def _someone_else(inquiry: Inquiry) -> Inquiry:
    """The inquiry as if it had been about another member."""

    def other(person: Person) -> Person:
        name = replace(person.name, first="OTHER", id=person.name.id and person.name.id + "9")
        traces = [Trace(t.number + "9", t.originator, t.supplemental) for t in person.traces]
        birth = _d8(person.birth_date)
        born = (birth - timedelta(days=365)).strftime("%Y%m%d") if birth else ""
        return replace(person, name=name, traces=traces, birth_date=born)

    dependent = other(inquiry.dependent) if inquiry.dependent else None
    return replace(inquiry, subscriber=other(inquiry.subscriber), dependent=dependent)


class SimulatorGateway:
    """The simulator in this process: the demo's default gateway. A SLOW answer waits out
    the caller's timeout (through ``sleep``) and then fails as a real one would."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        slow_seconds: float = SLOW_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.timeout = timeout
        self.slow_seconds = slow_seconds
        self._sleep = sleep
        self._now = now

    def inquire(self, text: str, *, timeout: float | None = None) -> Outcome:
        limit = self.timeout if timeout is None else timeout
        reply = respond(text, now=self._now(), slow_seconds=self.slow_seconds)
        if reply.delay > limit:
            self._sleep(limit)
            return Failed(FailureKind.TIMEOUT, f"no answer within {limit:g} s")
        if reply.delay:
            self._sleep(reply.delay)
        if reply.status >= HTTPStatus.BAD_REQUEST:
            return Failed(FailureKind.SERVER_ERROR, reply.body, status=reply.status)
        return read_271(reply.body)


@dataclass(frozen=True)
class RunningSimulator:
    url: str
    server: ThreadingHTTPServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True  # a SLOW answer still sleeping must not hold up stop()

    def __init__(self, address: tuple[str, int], *, slow_seconds: float) -> None:
        super().__init__(address, _Handler)
        self.slow_seconds = slow_seconds


class _Handler(BaseHTTPRequestHandler):
    server: _SimulatorServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            text = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            self._send(Reply(HTTPStatus.BAD_REQUEST, "the body is not UTF-8 text"))
            return
        reply = respond(text, now=utc_now(), slow_seconds=self.server.slow_seconds)
        if reply.delay:
            time.sleep(reply.delay)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        payload = reply.body.encode("utf-8")
        ok = reply.status == HTTPStatus.OK
        # A client that gave up waiting (the SLOW scenario) has nobody left to answer.
        with suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            self.send_header("Content-Type", EDI_CONTENT_TYPE if ok else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a request line names no patient, but a test run needs no access log."""


def serve(
    host: str = "127.0.0.1", port: int = 0, *, slow_seconds: float = SLOW_SECONDS
) -> RunningSimulator:
    """The simulator as a small HTTP service (POST the 270 as the body, any path), in a
    daemon thread; port 0 takes a free one. ``.url`` is where to post, ``.stop()`` ends it."""
    server = _SimulatorServer((host, port), slow_seconds=slow_seconds)
    thread = threading.Thread(target=server.serve_forever, name="clearinghouse-simulator")
    thread.daemon = True
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return RunningSimulator(f"http://{bound_host!s}:{bound_port}/", server, thread)
