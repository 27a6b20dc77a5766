"""Coverage in the browser: the chart's Coverage tab and an inquiry's coverage page (the same
panel: coverages in the order they pay, each with its latest check and benefits by level),
the forms that record, end and check a coverage or record a verification by phone, a check's
own page, and the payer directory.

A refused form comes back on its page with the field named and what was typed kept (4xx);
a change goes back to where it was made, saying what happened.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.coverage import access, eligibility, rules, service
from stepdown.coverage.benefits import BenefitsSnapshot, Network
from stepdown.coverage.models import (
    CheckOutcome,
    Coverage,
    EligibilityCheck,
    PlanKind,
    Relationship,
)
from stepdown.coverage.schemas import CoverageEnd, CoverageWrite, PayerWrite, PlanWrite
from stepdown.coverage.summary import NOT_RETURNED, by_level, money
from stepdown.kit.errors import Invalid, NotFound, StepdownError
from stepdown.kit.schemas import invalid_from
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.settings import Settings
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "coverage"
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
PayerKeeper = Annotated[Actor, allow(access.PAYERS)]
Form = dict[str, str]

tabs.register(
    TAB,
    "Coverage",
    access.READ,
    template="coverage/_chart_tab.html",
    build=lambda session, actor, client: service.panel(
        session,
        actor=actor,
        owner=service.Owner(client_id=client.id),
        back=f"/clients/{client.id}?tab={TAB}",
    ),
    order=16,
)
navigation.register("Payers", "/payers", access.PAYERS, order=82)
navigation.register("My coverage", "/my-coverage", access.OWN, order=9)
Own = Annotated[Actor, allow(access.OWN)]


async def _form(request: Request) -> Form:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _back_to(owner: service.Owner) -> str:
    if owner.client_id is not None:
        return f"/clients/{owner.client_id}?tab={TAB}"
    return f"/inquiries/{owner.inquiry_id}/coverage"


def _go(request: Request, url: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash.flash(request, response, message)
    return response


def _refused(
    request: Request,
    session: DbSession,
    actor: Actor,
    owner: service.Owner,
    error: StepdownError,
    form: Form,
) -> Response:
    """The page the form came from, again, with the refusal and what was typed."""
    if owner.client_id is not None:
        return chart_page(request, session, actor, owner.client_id, TAB, error=error, form=form)
    return _inquiry_page(request, session, actor, owner, error=error, form=form)


def _inquiry_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    owner: service.Owner,
    *,
    error: StepdownError | None = None,
    form: Form | None = None,
) -> Response:
    assert owner.inquiry_id is not None
    panel = service.panel(session, actor=actor, owner=owner, back=_back_to(owner))
    return render(
        request,
        "coverage/inquiry.html",
        {
            "section": panel,
            "inquiry": service.inquiry_of(session, owner.inquiry_id),
            "error": error,
            "form": form or {},
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/inquiries/{inquiry_id}/coverage", response_class=HTMLResponse)
def inquiry_coverage(
    inquiry_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    return _inquiry_page(request, session, actor, service.Owner(inquiry_id=inquiry_id))


# ---- recording coverages -------------------------------------------------------------------

COVERAGE_FIELDS = (
    "rank",
    "payer_id",
    "plan_id",
    "member_id",
    "group_number",
    "relationship",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_date_of_birth",
    "starts_on",
)


def coverage_write(form: Form) -> CoverageWrite:
    """The form as the API's shape; the form's "payer" choice "self_pay" means no payer."""
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in COVERAGE_FIELDS}
    self_pay = values["payer_id"] == "self_pay"
    values["self_pay"] = self_pay
    for name in ("payer_id", "plan_id", "subscriber_date_of_birth", "starts_on"):
        if not values[name] or (name == "payer_id" and self_pay):
            values[name] = None
    values["relationship"] = values["relationship"] or Relationship.SELF.value
    try:
        return CoverageWrite.model_validate(values)
    except ValidationError as exc:
        raise invalid_from(exc) from exc


async def _add(
    request: Request, session: DbSession, actor: Actor, owner: service.Owner
) -> Response:
    form = await _form(request)
    form["action"] = "add_coverage"
    nested = session.begin_nested()
    try:
        coverage = service.add_coverage(
            session, actor=actor, owner=owner, data=coverage_write(form)
        )
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, owner, exc, form)
    nested.commit()
    return _go(request, _back_to(owner), f"{_label(coverage)} recorded.")


def _label(coverage: Coverage) -> str:
    order = {1: "Primary", 2: "Secondary", 3: "Tertiary"}.get(coverage.rank, "The")
    return "Self-pay" if coverage.self_pay else f"{order} coverage"


@router.post("/clients/{client_id}/coverages", response_class=HTMLResponse)
async def add_client_coverage(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    return await _add(request, session, actor, service.Owner(client_id=client_id))


@router.post("/inquiries/{inquiry_id}/coverages", response_class=HTMLResponse)
async def add_inquiry_coverage(
    inquiry_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    return await _add(request, session, actor, service.Owner(inquiry_id=inquiry_id))


def _owner(session: DbSession, coverage_id: uuid.UUID) -> service.Owner:
    coverage = session.get(Coverage, coverage_id)
    if coverage is None:
        raise NotFound("no such coverage", field="coverage_id")
    return service.owner_of(coverage)


@router.post("/coverages/{coverage_id}/end", response_class=HTMLResponse)
async def end_coverage(
    coverage_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form.update(action="end", coverage_id=str(coverage_id))
    owner = _owner(session, coverage_id)
    nested = session.begin_nested()
    try:
        data = CoverageEnd.model_validate(
            {"ends_on": form.get("ends_on") or None, "reason": form.get("reason", "")}
        )
        service.end_coverage(session, actor=actor, coverage_id=coverage_id, data=data)
    except ValidationError as exc:
        nested.rollback()
        return _refused(request, session, actor, owner, invalid_from(exc), form)
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, owner, exc, form)
    nested.commit()
    return _go(request, _back_to(owner), "Coverage ended; it stays on record.")


# ---- checking ------------------------------------------------------------------------------


def _service_types(value: str) -> tuple[str, ...]:
    if not value.strip():
        return rules.DEFAULT_SERVICE_TYPES
    return rules.check_service_types(value.replace(" ", ",").split(","))


@router.post("/coverages/{coverage_id}/check", response_class=HTMLResponse)
async def check_coverage(
    coverage_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    """Ask the payer now. Nothing is written until the payer has answered (or the retries
    ran out), and the answer is kept whatever it says."""
    form = await _form(request)
    form.update(action="check", coverage_id=str(coverage_id))
    owner = _owner(session, coverage_id)
    settings: Settings = request.app.state.settings
    try:
        found = eligibility.check(
            session,
            actor=actor,
            coverage_id=coverage_id,
            route=eligibility.route_for(settings),
            service_types=_service_types(form.get("service_types", "")),
        )
    except StepdownError as exc:
        session.rollback()
        return _refused(request, session, actor, owner, exc, form)
    return _go(request, _back_to(owner), _said(found))


def _said(found: EligibilityCheck) -> str:
    if found.outcome is CheckOutcome.ACTIVE:
        return "The payer says the coverage is active: benefits below."
    if found.outcome is CheckOutcome.INACTIVE:
        return "The payer says the coverage is inactive."
    return f"{found.outcome.label}: {found.detail or 'see the check'}. The coverage is unverified."


def _decimal(form: Form, name: str) -> Decimal | None:
    value = form.get(name, "").strip().lstrip("$").replace(",", "")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise Invalid("a number, like 40 or 12.50", field=name) from exc
    if not Decimal(0) <= amount <= Decimal(1_000_000):
        raise Invalid("between 0 and 1,000,000", field=name)
    return amount


def phone_verification(form: Form) -> eligibility.PhoneVerification:
    visits = form.get("visit_limit", "").strip()
    if visits and not visits.isdigit():
        raise Invalid("a whole number of visits", field="visit_limit")
    auth = form.get("authorization_required", "")
    percent = _decimal(form, "coinsurance_percent")
    if percent is not None and percent > 100:
        raise Invalid("a percentage, 0 to 100", field="coinsurance_percent")
    return eligibility.PhoneVerification(
        service_types=_service_types(form.get("service_types", "")),
        active=form.get("active") == "yes",
        representative=form.get("representative", ""),
        call_reference=form.get("call_reference", ""),
        copay=_decimal(form, "copay"),
        coinsurance_percent=percent,
        deductible_total=_decimal(form, "deductible_total"),
        deductible_remaining=_decimal(form, "deductible_remaining"),
        out_of_pocket_total=_decimal(form, "out_of_pocket_total"),
        out_of_pocket_remaining=_decimal(form, "out_of_pocket_remaining"),
        authorization_required={"yes": True, "no": False}.get(auth),
        visit_limit=int(visits) if visits else None,
        note=form.get("note", "").strip()[:300],
    )


@router.post("/coverages/{coverage_id}/phone", response_class=HTMLResponse)
async def record_phone(
    coverage_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form.update(action="phone", coverage_id=str(coverage_id))
    owner = _owner(session, coverage_id)
    nested = session.begin_nested()
    try:
        eligibility.record_phone_verification(
            session, actor=actor, coverage_id=coverage_id, data=phone_verification(form)
        )
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, owner, exc, form)
    nested.commit()
    return _go(request, _back_to(owner), "Verification by phone recorded.")


@router.get("/eligibility-checks/{check_id}", response_class=HTMLResponse)
def check_page(
    check_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    """One check in full: benefits per service type and network, and (for the staff who
    run checks) the X12 sent and received."""
    found = session.get(EligibilityCheck, check_id)
    if found is None:
        raise NotFound("no such eligibility check", field="check_id")
    owner = service.owner_of(service.coverage_of(session, found.coverage_id))
    views = service.coverages(session, actor=actor, owner=owner)  # reads (and audits) them
    view = next(v for v in views if v.coverage.id == found.coverage_id)
    snapshot = BenefitsSnapshot.from_json(found.snapshot) if found.snapshot else None
    return render(
        request,
        "coverage/check.html",
        {
            "check": found,
            "view": view,
            "snapshot": snapshot,
            "levels": by_level(snapshot) if snapshot else [],
            "networks": list(Network),
            "money": money,
            "not_returned": NOT_RETURNED,
            "back": _back_to(owner),
            "show_x12": access.WRITE.allows(actor.role),
        },
    )


# ---- the payer directory -------------------------------------------------------------------


def _payers_page(
    request: Request,
    session: DbSession,
    *,
    error: StepdownError | None = None,
    form: Form | None = None,
) -> Response:
    payers = service.list_payers(session, include_inactive=True)
    return render(
        request,
        "coverage/payers.html",
        {
            "payers": payers,
            "plans": service.plans_by_payer(session, [p.id for p in payers]),
            "payer_options": [(str(p.id), p.name) for p in payers],
            "kinds": [(k.value, k.label) for k in PlanKind],
            "errors": {(error.field or "form"): error.message} if error else {},
            "form": form or {},
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/payers", response_class=HTMLResponse)
def payers_page(request: Request, session: DbSession, actor: PayerKeeper) -> Response:
    return _payers_page(request, session)


@router.post("/payers", response_class=HTMLResponse)
async def add_payer(request: Request, session: DbSession, actor: PayerKeeper) -> Response:
    form = await _form(request)
    form["action"] = "add_payer"
    nested = session.begin_nested()
    try:
        data = PayerWrite.model_validate(
            {
                "name": form.get("name", ""),
                "payer_code": form.get("payer_code", ""),
                "phone": form.get("phone", ""),
                "portal_url": form.get("portal_url", ""),
                "carve_out_payer_id": form.get("carve_out_payer_id") or None,
            }
        )
        payer = service.create_payer(session, actor=actor, data=data)
    except ValidationError as exc:
        nested.rollback()
        return _payers_page(request, session, error=invalid_from(exc), form=form)
    except StepdownError as exc:
        nested.rollback()
        return _payers_page(request, session, error=exc, form=form)
    nested.commit()
    return _go(request, "/payers", f"{payer.name} added to the directory.")


@router.post("/payers/{payer_id}/plans", response_class=HTMLResponse)
async def add_plan(
    payer_id: uuid.UUID, request: Request, session: DbSession, actor: PayerKeeper
) -> Response:
    form = await _form(request)
    form.update(action="add_plan", payer_id=str(payer_id))
    nested = session.begin_nested()
    try:
        data = PlanWrite.model_validate({"name": form.get("name", ""), "kind": form.get("kind")})
        service.add_plan(session, actor=actor, payer_id=payer_id, data=data)
    except ValidationError as exc:
        nested.rollback()
        return _payers_page(request, session, error=invalid_from(exc), form=form)
    except StepdownError as exc:
        nested.rollback()
        return _payers_page(request, session, error=exc, form=form)
    nested.commit()
    return _go(request, "/payers", "Plan added.")


@router.get("/my-coverage", response_class=HTMLResponse)
def my_coverage(request: Request, session: DbSession, actor: Own) -> Response:
    """A client's own coverages and what the payer said they pay at each level: the
    questions clients ask ("what will this cost me?"), nothing of the X12 behind it."""
    views = service.own_coverages(session, actor=actor)
    latest = eligibility.latest(session, [v.coverage.id for v in views])
    rows = []
    for view in views:
        found = latest.get(view.coverage.id)
        levels = []
        if found is not None and found.outcome is CheckOutcome.ACTIVE and found.snapshot:
            levels = by_level(BenefitsSnapshot.from_json(found.snapshot))
        rows.append((view, found, levels))
    return render(request, "coverage/mine.html", {"rows": rows})
