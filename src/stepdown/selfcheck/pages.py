"""The public self-check pages: the questionnaire, its result, and the consultation request.

Open to anyone, signed in or not, and shown without the staff menu even to staff, so the
pages never display anything but the visitor's own answers. Every form posts; the pages
work without JavaScript.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stepdown.inquiries.rules import Substance
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid
from stepdown.kit.ratelimit import SlidingWindowLimiter
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import open_route
from stepdown.selfcheck import rules, schemas, service
from stepdown.selfcheck.rules import IncompleteAnswers
from stepdown.selfcheck.service import SealedAnswers, TamperedAnswers
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

PUBLIC = "public self-check: anonymous, stores nothing unless a consultation is requested"
Public = Annotated[Actor | None, open_route(PUBLIC)]
# A field people never see; only form-filling robots put anything in it.
HONEYPOT = "website"
CONSULTATIONS_PER_WINDOW = 5
WINDOW_SECONDS = 3600.0
CONTACT_FIELDS = ("name", "email", "phone", "best_time", "site_id")
MAXLENGTHS = {
    "name": schemas.NAME_MAX,
    "email": schemas.EMAIL_MAX,
    "phone": schemas.PHONE_MAX,
    "best_time": schemas.BEST_TIME_MAX,
}
EMPTY_CONTACT: Mapping[str, Any] = {
    **dict.fromkeys(CONTACT_FIELDS, ""),
    "substances": [],
    "consent_to_contact": False,
}
_limiter_lock = threading.Lock()

Errors = dict[str, str]


async def _form(request: Request) -> FormData:
    """The posted form, read once here so the routes themselves stay synchronous."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _limiter(request: Request) -> SlidingWindowLimiter:
    """One limiter per application, made on first use (see ``kit.ratelimit``: per process)."""
    state = request.app.state
    with _limiter_lock:
        limiter: SlidingWindowLimiter | None = getattr(state, "selfcheck_limiter", None)
        if limiter is None:
            limiter = SlidingWindowLimiter(limit=CONSULTATIONS_PER_WINDOW, window=WINDOW_SECONDS)
            state.selfcheck_limiter = limiter
    return limiter


def _key(request: Request) -> str:
    key: str = request.app.state.settings.effective_secret_key
    return key


def _public(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render without the staff menu or sign-out form, whoever is signed in."""
    response = render(
        request, template, {**context, "actor": None, "nav": []}, status_code=status_code
    )
    response.headers.update(headers or {})
    return response


def _questionnaire(
    request: Request,
    *,
    values: Mapping[str, str],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    return _public(
        request,
        "selfcheck/questionnaire.html",
        {
            "sections": rules.SECTIONS,
            "question_count": len(rules.QUESTIONS),
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


def _result_page(
    request: Request,
    session: Session,
    *,
    sealed: SealedAnswers,
    answers: Mapping[str, str],
    values: Mapping[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    result = rules.evaluate(answers)
    return _public(
        request,
        "selfcheck/result.html",
        {
            "result": result,
            "label": rules.label(result),
            "description": rules.DESCRIPTIONS[result.suggestion],
            "day_or_evening": rules.DAY_OR_EVENING if result.day_or_evening else "",
            "sealed": sealed,
            "values": values,
            "errors": errors,
            "sites": programs_service.open_sites(session, today()),
            "substances": list(Substance),
            "honeypot": HONEYPOT,
            "maxlengths": MAXLENGTHS,
        },
        status_code=status_code,
    )


@router.get("/self-check", response_class=HTMLResponse)
def questionnaire(request: Request, _: Public) -> Response:
    return _questionnaire(request, values={}, errors={})


@router.post("/self-check/result", response_class=HTMLResponse)
def result(request: Request, session: DbSession, _: Public, form: PostedForm) -> Response:
    raw = {q.key: _text(form, q.key) for q in rules.QUESTIONS}
    try:
        answers = rules.read_answers(raw)
    except IncompleteAnswers as exc:
        return _questionnaire(request, values=raw, errors=exc.problems, status_code=422)
    sealed = service.seal(answers, key=_key(request))
    return _result_page(
        request, session, sealed=sealed, answers=answers, values=EMPTY_CONTACT, errors={}
    )


def _contact_values(form: FormData) -> dict[str, Any]:
    """The contact fields as posted; an unticked checkbox is simply absent."""
    values: dict[str, Any] = {name: _text(form, name) for name in CONTACT_FIELDS}
    values["substances"] = [v for v in form.getlist("substances") if isinstance(v, str)]
    values["consent_to_contact"] = form.get("consent_to_contact") == "on"
    return values


def _too_many(request: Request, session: Session, retry_after: float) -> Response:
    sites = [s for s in programs_service.open_sites(session, today()) if s.phone]
    return _public(
        request,
        "selfcheck/too_many.html",
        {"sites": sites},
        status_code=429,
        headers={"retry-after": str(int(retry_after) + 1)},
    )


@router.post("/self-check/consultation", response_class=HTMLResponse)
def request_consultation(
    request: Request, session: DbSession, _: Public, form: PostedForm
) -> Response:
    ip = request.client.host if request.client else "unknown"
    decision = _limiter(request).hit(ip)
    if not decision.allowed:
        return _too_many(request, session, decision.retry_after)
    thanks = RedirectResponse("/self-check/thanks", status_code=303)
    if _text(form, HONEYPOT):
        return thanks  # look like success, so the robot learns nothing; store nothing
    try:
        sealed, answers = service.unseal(
            _text(form, "answers"), _text(form, "signature"), key=_key(request)
        )
    except TamperedAnswers as exc:
        return _questionnaire(request, values={}, errors={"": exc.message}, status_code=400)
    values = _contact_values(form)
    try:
        contact = schemas.ConsultationRequest.model_validate(values)
        service.request_consultation(
            session,
            actor=service.PUBLIC_ACTOR,
            answers=answers,
            contact=contact,
            reference=sealed.reference,
        )
    except ValidationError as exc:
        errors: Errors = {}
        for err in exc.errors():
            errors.setdefault(str(err["loc"][0]) if err["loc"] else "", str(err["msg"]))
    except Invalid as exc:
        errors = {exc.field or "": exc.message}
    else:
        return thanks
    return _result_page(
        request,
        session,
        sealed=sealed,
        answers=answers,
        values=values,
        errors=errors,
        status_code=422,
    )


@router.get("/self-check/thanks", response_class=HTMLResponse)
def thanks(request: Request, _: Public) -> Response:
    return _public(request, "selfcheck/thanks.html", {})
