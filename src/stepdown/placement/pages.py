"""Assessment pages (write, review the recommendation, sign, addendum, place) and the report."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from stepdown.assessments import service as assessments_service
from stepdown.clients import service as clients_service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.intake import service as intake_service
from stepdown.kit import bounds
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.placement import access, evidence, rule_store, service
from stepdown.placement.models import DIMENSIONS, AssessmentStatus, Discrepancy
from stepdown.placement.rule_table import FACTS, IN_HOUSE, Action, Rule
from stepdown.placement.rules import PlacementFacts, RecentLevel, WithdrawalRisk, recommend
from stepdown.placement.schemas import AssessmentInput, DecisionInput, RuleRow
from stepdown.safety import service as safety_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, model_form, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Placement report", "/placement/report", access.REPORT, order=60)
navigation.register("Try placement rules", "/placement/try", access.RULES_WRITE, order=62)
TRY_GROUPS = model_form.groups_of(PlacementFacts, title="The client")

MAX_ROWS = 200  # as many as the API takes
BOOLEANS = ("environment_stable", "co_occurring", "day_available", "evening_available")


def assessment_input(form: FormData) -> AssessmentInput:
    """The form's fields; each ticked "leave out" box needs the reason typed next to it."""
    raw: dict[str, Any] = {
        key: str(value)
        for key, value in form.items()
        if key not in (*BOOLEANS, "exclude") and not key.startswith("exclude_reason_")
    }
    raw.pop("csrf_token", None)
    raw.update({key: key in form for key in BOOLEANS})
    raw["exclusions"] = [
        {"response_id": str(rid), "reason": str(form.get(f"exclude_reason_{rid}", ""))}
        for rid in form.getlist("exclude")
    ]
    return AssessmentInput.model_validate(raw)


def _exclusions_of(form: FormData) -> dict[str, str]:
    """A refused form's exclusions, to show them again as entered."""
    return {str(rid): str(form.get(f"exclude_reason_{rid}", "")) for rid in form.getlist("exclude")}


def _errors(exc: ValidationError) -> dict[str, str]:
    return {str(err["loc"][0]) if err["loc"] else "form": err["msg"] for err in exc.errors()}


def _form_context(session: DbSession, actor: Actor, client_id: uuid.UUID) -> dict[str, Any]:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    now = utc_now()
    counted = [
        r
        for r in assessments_service.list_responses(session, actor=actor, client=client)
        if not r.entered_in_error
        and evidence.in_window(
            evidence.Result(r.instrument, r.total, r.band, frozenset(r.flags), r.administered_at),
            now,
        )
    ]
    return {
        "client": client,
        "dimensions": DIMENSIONS,
        "withdrawal_risks": list(WithdrawalRisk),
        "recent_levels": list(RecentLevel),
        "responses": counted,
        "look_back": {code: window.days for code, window in evidence.LOOK_BACK.items()},
        "gate": safety_service.status(session, actor=actor, client=client),
        "intake_prefill": intake_service.prefill_for_client(session, actor=actor, client=client),
    }


@router.get("/clients/{client_id}/assessments/new", response_class=HTMLResponse)
def new_assessment(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    context = _form_context(session, actor, client_id)
    return render(
        request, "placement/form.html", {**context, "values": {}, "errors": {}, "assessment": None}
    )


@router.post("/clients/{client_id}/assessments", response_class=HTMLResponse)
async def create_assessment(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    form = await request.form()
    try:
        data = assessment_input(form)
        assessment = service.start_assessment(session, actor=actor, client_id=client_id, data=data)
    except (ValidationError, StepdownError) as exc:
        errors = (
            _errors(exc) if isinstance(exc, ValidationError) else {exc.field or "form": exc.message}
        )
        context = _form_context(session, actor, client_id)
        return render(
            request,
            "placement/form.html",
            {
                **context,
                "values": dict(form),
                "excluded": _exclusions_of(form),
                "errors": errors,
                "assessment": None,
            },
            status_code=422,
        )
    response = RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    flash.flash(request, response, f"Draft assessment version {assessment.version} saved.")
    return response


def _view(
    request: Request,
    session: DbSession,
    actor: Actor,
    assessment_id: uuid.UUID,
    *,
    error: StepdownError | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    assessment = service.get_assessment(session, actor=actor, assessment_id=assessment_id)
    context = _form_context(session, actor, assessment.client_id)
    recommendation = service.recommendation_for(session, actor=actor, assessment=assessment)
    levels = continuum_service.catalog(session)
    return render(
        request,
        "placement/assessment.html",
        {
            **context,
            "assessment": assessment,
            "recommendation": recommendation,
            "levels": {lv.code: lv for lv in levels},
            "partners": [p for p in continuum_service.partners(session) if p.is_active],
            "tracks": list(Track),
            "discrepancies": list(Discrepancy),
            "decision": service.decision_for(session, assessment.id),
            "excluded": {
                str(e.response_id): e.reason for e in service.exclusions_of(session, assessment)
            },
            "responses_all": assessments_service.list_responses(
                session, actor=actor, client=context["client"]
            ),
            "values": values or {},
            "errors": errors or {},
            "error": error,
            "today": today(),
            "can_assess": access.ASSESS.allows(actor.role),
            "can_place": access.PLACE.allows(actor.role),
            "signed": assessment.status is AssessmentStatus.SIGNED,
        },
        status_code=error.status_code if error else status_code,
    )


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def view_assessment(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
) -> Response:
    return _view(request, session, actor, assessment_id)


@router.post("/assessments/{assessment_id}", response_class=HTMLResponse)
async def update_assessment(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    form = await request.form()
    try:
        service.update_draft(
            session, actor=actor, assessment_id=assessment_id, data=assessment_input(form)
        )
    except ValidationError as exc:
        return _view(
            request,
            session,
            actor,
            assessment_id,
            errors=_errors(exc),
            values=dict(form),
            status_code=422,
        )
    except StepdownError as exc:
        return _view(request, session, actor, assessment_id, error=exc)
    response = RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    flash.flash(request, response, "Draft saved; the recommendation below is up to date.")
    return response


@router.post("/assessments/{assessment_id}/sign", response_class=HTMLResponse)
def sign_assessment(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    try:
        assessment = service.sign(session, actor=actor, assessment_id=assessment_id)
    except StepdownError as exc:
        return _view(request, session, actor, assessment_id, error=exc)
    response = RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    flash.flash(request, response, "Assessment signed; it is now read-only.")
    return response


@router.post("/assessments/{assessment_id}/addendum", response_class=HTMLResponse)
def write_addendum(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    try:
        copy = service.addendum(session, actor=actor, assessment_id=assessment_id)
    except StepdownError as exc:
        return _view(request, session, actor, assessment_id, error=exc)
    response = RedirectResponse(f"/assessments/{copy.id}", status_code=303)
    flash.flash(request, response, f"Addendum started as version {copy.version}.")
    return response


@router.post("/assessments/{assessment_id}/decision", response_class=HTMLResponse)
async def decide_placement(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.PLACE)],
) -> Response:
    form = await request.form()
    # Blank choices mean "not chosen"; blank text stays blank text.
    choices = ("level", "track", "discrepancy", "partner_id")
    raw: dict[str, Any] = {
        key: (str(value) or None) if key in choices else str(value)
        for key, value in form.items()
        if key != "csrf_token"
    }
    raw["accept"] = raw.get("accept") == "yes"
    nested = session.begin_nested()
    try:
        data = DecisionInput.model_validate(raw)
        decision = service.decide(session, actor=actor, assessment_id=assessment_id, data=data)
    except ValidationError as exc:
        nested.rollback()
        return _view(
            request,
            session,
            actor,
            assessment_id,
            errors=_errors(exc),
            values=dict(form),
            status_code=422,
        )
    except StepdownError as exc:
        nested.rollback()
        return _view(request, session, actor, assessment_id, error=exc, values=dict(form))
    nested.commit()
    response = RedirectResponse(f"/clients/{decision.client_id}?tab=care", status_code=303)
    flash.flash(request, response, f"Placed at {decision.placed_level} ({decision.placed_track}).")
    return response


@router.get("/placement/report", response_class=HTMLResponse)
def placement_report(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.REPORT)],
    date_from: str = "",
    date_to: str = "",
) -> Response:
    errors: dict[str, str] = {}
    start, end = today() - timedelta(days=90), today()
    for name, text in (("date_from", date_from), ("date_to", date_to)):
        if text:
            try:
                parsed = bounds.require_day(text, field=name)
            except Invalid as exc:
                errors[name] = exc.message
                continue
            if name == "date_from":
                start = parsed
            else:
                end = parsed
    result = None
    if not errors:
        try:
            result = service.report(session, actor=actor, date_from=start, date_to=end)
        except StepdownError as exc:
            errors[exc.field or "form"] = exc.message
    return render(
        request,
        "placement/report.html",
        {"report": result, "errors": errors, "date_from": start, "date_to": end},
        status_code=422 if errors else 200,
    )


def _rules_context(session: DbSession) -> dict[str, Any]:
    table = rule_store.active(session)
    versions = rule_store.history(session)
    return {
        "table": table,
        "rules": table.rules,
        "published_by": rule_store.published_by(session, table.stored),
        "history": [(v, rule_store.published_by(session, v)) for v in versions],
    }


@router.get("/placement/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RULES_READ)]
) -> Response:
    return render(
        request,
        "placement/rules.html",
        {
            **_rules_context(session),
            "can_edit": access.RULES_WRITE.allows(actor.role),
            "errors": {},
        },
    )


def _form_rows(rules: tuple[Rule, ...]) -> list[dict[str, Any]]:
    """The edit form's rows: every rule, enabled, then one empty row for a new rule."""
    rows = [
        {**rule_store.row_of(rule).model_dump(), "enabled": True, "new": False} for rule in rules
    ]
    blank = {"id": "", "looks_at": "", "when": [], "action": "", "drives": "", "sentence": ""}
    return [*rows, {**blank, "then": None, "enabled": True, "new": True}]


def _posted_rows(form: FormData) -> list[dict[str, Any]]:
    """The rows as the director left them, so a refused form comes back as typed."""
    count = str(form.get("row_count", ""))
    rows = []
    for i in range(min(int(count), MAX_ROWS) if count.isdigit() else 0):

        def field(name: str, i: int = i) -> str:
            return str(form.get(f"r{i}-{name}", "")).strip()

        rows.append(
            {
                **{name: field(name) for name in ("id", "looks_at", "action", "drives")},
                "when": [line.strip() for line in field("when").splitlines() if line.strip()],
                "sentence": field("sentence"),
                "then": field("then") or None,
                "enabled": f"r{i}-enabled" in form,
                "new": field("new") == "yes",
            }
        )
    return rows


def _to_publish(rows: list[dict[str, Any]]) -> list[RuleRow]:
    """Enabled rows, leaving out the new row if the director left it empty."""
    published = []
    for row in rows:
        if not row["enabled"] or (row["new"] and not any(row[k] for k in RULE_TEXT_FIELDS)):
            continue
        fields = {k: v for k, v in row.items() if k not in ("enabled", "new")}
        try:
            published.append(RuleRow.model_validate(fields))
        except ValidationError as exc:
            problem = exc.errors()[0]
            name = ".".join(str(part) for part in problem["loc"])
            raise Invalid(
                f"rule {row['id'] or '(new)'}: {name}: {problem['msg']}", field="rules"
            ) from None
    return published


RULE_TEXT_FIELDS = ("id", "looks_at", "when", "action", "drives", "sentence", "then")
_NAMED_RULE = re.compile(r"^rule (\S+):")


def _edit_page(
    request: Request,
    session: DbSession,
    rows: list[dict[str, Any]],
    *,
    note: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    named = _NAMED_RULE.match(errors.get("rules", ""))
    return render(
        request,
        "placement/rules_edit.html",
        {
            "table": rule_store.active(session),
            "rows": rows,
            "note": note,
            "errors": errors,
            "bad_rule": named.group(1) if named else None,
            "facts": FACTS,
            "actions": list(Action),
            "levels": [level.value for level in IN_HOUSE],
        },
        status_code=status_code,
    )


@router.get("/placement/rules/edit", response_class=HTMLResponse)
def edit_rules_form(
    request: Request, session: DbSession, _: Annotated[Actor, allow(access.RULES_WRITE)]
) -> Response:
    return _edit_page(request, session, _form_rows(rule_store.active_rules(session)))


@router.post("/placement/rules/edit", response_class=HTMLResponse)
async def edit_rules(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RULES_WRITE)]
) -> Response:
    form = await request.form()
    rows = _posted_rows(form)
    note = str(form.get("note", "")).strip()
    nested = session.begin_nested()
    try:
        stored = rule_store.publish(session, actor=actor, rows=_to_publish(rows), note=note)
    except StepdownError as exc:
        nested.rollback()
        return _edit_page(
            request,
            session,
            rows,
            note=note,
            errors={exc.field or "form": exc.message},
            status_code=422,
        )
    nested.commit()
    response = RedirectResponse("/placement/rules", status_code=303)
    flash.flash(request, response, f"Rule table version {stored.version} is now in force.")
    return response


@router.post("/placement/rules/revert", response_class=HTMLResponse)
async def revert_rules(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RULES_WRITE)]
) -> Response:
    form = await request.form()
    note = str(form.get("note", "")).strip()
    nested = session.begin_nested()
    try:
        stored = rule_store.revert(
            session,
            actor=actor,
            version=bounds.parse_int(str(form.get("version", "")), field="version", ge=0),
            note=note,
        )
    except (ValueError, StepdownError) as exc:
        nested.rollback()
        message = exc.message if isinstance(exc, StepdownError) else "choose a version"
        return render(
            request,
            "placement/rules.html",
            {**_rules_context(session), "can_edit": True, "errors": {"revert": message}},
            status_code=422,
        )
    nested.commit()
    response = RedirectResponse("/placement/rules", status_code=303)
    flash.flash(request, response, f"Rule table version {stored.version} is now in force.")
    return response


def _try_page(
    request: Request,
    session: DbSession,
    *,
    typed: dict[str, str],
    result: dict[str, Any] | None = None,
    error: StepdownError | None = None,
) -> Response:
    table = rule_store.active(session)
    return render(
        request,
        "placement/try.html",
        {
            "groups": TRY_GROUPS,
            "typed": typed,
            "action": "/placement/try",
            "button": "Recommend",
            "table_version": table.version,
            "result": result,
            "result_on_hold": bool(result and result["safety"] != "clear"),
            "result_json": json.dumps(result, indent=2) if result else "",
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/placement/try", response_class=HTMLResponse)
def try_rules_form(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RULES_WRITE)]
) -> Response:
    """The placement engine on facts the director types: the same as ``stepdown placement
    evaluate``, nothing stored."""
    return _try_page(request, session, typed={})


@router.post("/placement/try", response_class=HTMLResponse)
async def try_rules(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RULES_WRITE)]
) -> Response:
    form = await request.form()
    typed = model_form.submitted(form, TRY_GROUPS)
    try:
        facts = model_form.parse(PlacementFacts, form, TRY_GROUPS)
    except StepdownError as exc:
        return _try_page(request, session, typed=typed, error=exc)
    table = rule_store.active(session)
    result = service.serialize(
        recommend(facts, rules=table.rules), rule_table_version=table.version
    )
    return _try_page(request, session, typed=typed, result=result)
