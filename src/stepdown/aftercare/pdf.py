"""The aftercare plan as a PDF the client takes home (``kit.pdf``).

Plain language, addressed to the client ("my warning signs", "what I will do"), with the
crisis lines first so they are found fast, set larger than a provider's paperwork.
"""

from __future__ import annotations

from datetime import date, datetime

from stepdown.aftercare import rules
from stepdown.aftercare.models import SoberLivingStatus
from stepdown.aftercare.service import PlanView
from stepdown.disclosures import pdf as disclosure_pdf
from stepdown.disclosures.gate import Screening
from stepdown.kit.pdf import Document, Sizes
from stepdown.programs.card import ProgramCard

CRISIS_LINES = (
    "Call or text 988 (the Suicide & Crisis Lifeline) any time, day or night.",
    "In an emergency, call 911 or go to the nearest emergency room.",
)
SIZES = Sizes(title=(20, 10), heading=(14, 8), heading_space=4, text=(11, 6))


def _when(day: date | None) -> str:
    return day.strftime("%A, %B %-d, %Y") if day else ""


def render(
    view: PlanView,
    *,
    program: ProgramCard,
    printed_at: datetime,
    release: Screening | None = None,
) -> bytes:
    """The plan as the client takes it home, headed with how to reach the program."""
    plan = view.plan
    doc = Document(f"Aftercare plan for {view.client.display_name}", sizes=SIZES)
    doc.pdf.set_creation_date(printed_at)
    if program.logo:
        doc.logo(program.logo)
    doc.title("My aftercare plan")
    doc.line(f"{view.client.display_name}, {program.name}")
    for line in program.address_lines:
        doc.line(line)
    if program.phone:
        doc.line(f"Phone: {program.phone}")
    doc.line(f"Plan given on {_when(plan.starts_on)}")
    if view.case_manager_name:
        doc.line(f"My case manager: {view.case_manager_name}")

    doc.heading("If I am in crisis")
    doc.bullets(list(CRISIS_LINES), empty="")
    doc.bullets(
        [
            f"{c.name}{f' ({c.relationship})' if c.relationship else ''}: {c.phone}"
            for c in view.contacts
        ],
        empty="",
    )

    doc.heading("My warning signs")
    doc.bullets(rules.lines(plan.warning_signs), empty="None written.")
    doc.heading("What I will do when I notice them")
    doc.bullets(rules.lines(plan.coping_steps), empty="None written.")

    doc.heading("Continued therapy")
    if plan.therapy_with_whom or plan.therapy_provider or plan.therapy_when:
        with_whom = ", ".join(p for p in (plan.therapy_with_whom, plan.therapy_provider) if p)
        doc.line(f"With: {with_whom or 'to be arranged'}")
        doc.line(f"When: {plan.therapy_when or 'to be arranged'}")
    else:
        doc.line("No continued therapy is arranged in this plan.")

    doc.heading("Meetings I will go to")
    doc.bullets(
        [
            f"{m.kind.label}: {m.name}, {m.day.label}s"
            f"{f' at {m.at:%I:%M %p}' if m.at else ''}, {m.place_or_link}"
            for m in view.meetings
        ],
        empty="No meetings listed.",
    )

    doc.heading("Sober living")
    if plan.sober_living_house:
        doc.line(f"House: {plan.sober_living_house}")
        if plan.sober_living_contact:
            doc.line(f"Contact: {plan.sober_living_contact}")
        status: SoberLivingStatus | None = plan.sober_living_status
        if status is not None:
            doc.line(f"Status: {status.label}")
    else:
        doc.line("No sober-living referral in this plan.")

    doc.heading("My medication")
    if plan.mat_prescriber or plan.mat_medication:
        if plan.mat_medication:
            doc.line(f"Medication: {plan.mat_medication}")
        if plan.mat_prescriber:
            doc.line(f"Prescriber: {plan.mat_prescriber}")
        if plan.mat_next_appointment:
            doc.line(f"Next appointment: {_when(plan.mat_next_appointment)}")
    else:
        doc.line("No medication for recovery is listed in this plan.")

    doc.heading("My check-ins with the program")
    doc.line(
        f"Weekly for the first {plan.weekly_checkins} weeks, then monthly for "
        f"{plan.checkin_months} months. We will e-mail you when one is due."
    )
    doc.bullets([c.due_on.strftime("%a %b %-d, %Y") for c in view.checkins], empty="")
    if release is not None:  # without one, the copy is the client's own
        disclosure_pdf.close(doc, release)
    return doc.bytes()
