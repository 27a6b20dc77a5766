"""The aftercare plan as a PDF the client takes home (fpdf2, generated on the server).

Plain language, addressed to the client ("my warning signs", "what I will do"), with the
crisis lines first so they are found fast. The PDF core font (Helvetica) covers Latin-1
only; other characters are reduced to their closest Latin-1 form (an accent dropped)
rather than printed as boxes, since a missing glyph could hide a phone number.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from stepdown.aftercare import rules
from stepdown.aftercare.models import SoberLivingStatus
from stepdown.aftercare.service import PlanView
from stepdown.programs.card import ProgramCard

CRISIS_LINES = (
    "Call or text 988 (the Suicide & Crisis Lifeline) any time, day or night.",
    "In an emergency, call 911 or go to the nearest emergency room.",
)
_PUNCTUATION = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
# Letters with no decomposition to a Latin-1 base.
_LETTERS = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe"}
)


def latin1(text: str) -> str:
    """Text the core font can print: Latin-1 as is, other letters without their accents."""
    text = text.translate(_PUNCTUATION).translate(_LETTERS)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


class _Document:
    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="Letter")
        self.pdf.set_title(title)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.set_margins(18, 18, 18)
        self.pdf.add_page()

    def _write(self, text: str, *, size: float, style: str = "", height: float = 6) -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(0, height, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def logo(self, data: bytes) -> None:
        """The program's logo at the head of the page, 15 mm high, its width to scale."""
        self.pdf.image(io.BytesIO(data), h=15)
        self.pdf.ln(2)

    def title(self, text: str) -> None:
        self._write(text, size=20, style="B", height=10)

    def heading(self, text: str) -> None:
        self.pdf.ln(4)
        self._write(text, size=14, style="B", height=8)

    def line(self, text: str) -> None:
        self._write(text, size=11)

    def bullets(self, items: list[str], *, empty: str) -> None:
        if not items:
            self.line(empty)
        for item in items:
            self.line(f"-  {item}")

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _when(day: date | None) -> str:
    return day.strftime("%A, %B %-d, %Y") if day else ""


def render(view: PlanView, *, program: ProgramCard, printed_at: datetime) -> bytes:
    """The plan as the client takes it home, headed with how to reach the program."""
    plan = view.plan
    doc = _Document(f"Aftercare plan for {view.client.display_name}")
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
    return doc.bytes()
