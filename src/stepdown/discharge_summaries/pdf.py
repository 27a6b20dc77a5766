"""A signed discharge summary as a PDF (``kit.pdf``), for the record and for the next
provider.

The house style is the aftercare plan's: the program's logo and contact lines at the head,
set smaller since a provider files it. Like every printout of the demo, a synthetic
client's summary says so at the top. The confidentiality line is a plain statement that
the document is part of a health record; the notice 42 CFR 2.32 requires on a disclosure
made with the client's consent is added by the disclosure workflow of a later issue, not
here.
"""

from __future__ import annotations

from datetime import datetime

from stepdown.discharge_summaries import rules
from stepdown.discharge_summaries.models import SummaryKind
from stepdown.discharge_summaries.service import SummaryView
from stepdown.disclosures import pdf as disclosure_pdf
from stepdown.disclosures.gate import Screening
from stepdown.kit.clock import local
from stepdown.kit.pdf import Document, Sizes
from stepdown.programs.card import ProgramCard
from stepdown.security.models import SignatureMeaning

CONFIDENTIAL = (
    "Confidential: part of the client's health record. Share it only as the client has "
    "agreed or the law allows."
)
SIZES = Sizes(title=(18, 9), heading=(13, 7), heading_space=3, text=(10, 5))
SYNTHETIC = "Synthetic demo: every person and fact in this summary is made up."
MEANINGS = {
    SignatureMeaning.AUTHOR: "signed as author",
    SignatureMeaning.COSIGNER: "co-signed as supervisor",
    SignatureMeaning.ADDENDUM: "signed an addendum",
}


def _services(doc: Document, facts: rules.Facts) -> None:
    doc.heading(rules.Section.SERVICES.label)
    doc.bullets(
        [
            f"{s.label}: {s.attended} attended, {s.excused} excused and {s.unexcused} "
            f"unexcused absences; {s.hours} of treatment"
            for s in facts.sessions
        ],
        empty="No attendance recorded.",
    )
    t = facts.testing
    doc.line(
        f"Drug tests: {t.ordered} ordered, {t.collected} collected, {t.refused} refused, "
        f"{t.missed} missed; {t.resulted_specimens} specimens resulted, "
        f"{t.unexpected_positive_specimens} with an unexpected positive."
    )


def _section(doc: Document, section: rules.Section, facts: rules.Facts) -> None:
    if section is rules.Section.SERVICES:
        _services(doc, facts)
        return
    doc.heading(section.label)
    if section is rules.Section.DIAGNOSES:
        doc.bullets(
            [
                f"{d.code} {d.description}{f' ({d.specifiers})' if d.specifiers else ''}"
                f" - {d.rank}, since {d.diagnosed_on.isoformat()}"
                for d in facts.diagnoses
            ],
            empty="No diagnosis recorded for this episode.",
        )
    elif section is rules.Section.GOALS:
        if facts.plan_version is None:
            doc.line("No signed treatment plan was in effect.")
        else:
            doc.line(f"Treatment plan, version {facts.plan_version}:")
        for goal in facts.goals:
            doc.strong(f"Goal: {goal.goal}")
            doc.bullets(
                [
                    f"{o.statement} (target {o.target_date.isoformat()}): {o.status_label}"
                    for o in goal.objectives
                ],
                empty="No objectives.",
            )
    elif section is rules.Section.MEDICATIONS:
        doc.bullets(
            [
                f"{m.name}{' (MAT)' if m.is_mat else ''}, prescribed by {m.prescriber}, "
                f"since {m.starts_on.isoformat()}"
                for m in facts.medications
            ],
            empty="No medication recorded as active on the last day in care.",
        )
    elif section is rules.Section.REFERRALS:
        doc.bullets(
            [
                f"{r.kind}: {r.organization}, made {r.made_on.isoformat()} - {r.status}"
                for r in facts.referrals
            ],
            empty="No community referral during the stay.",
        )
    else:
        if not facts.aftercare:
            doc.line("No aftercare plan for this episode.")
        else:
            if facts.aftercare_status == "draft":
                doc.line("The aftercare plan was still a draft.")
            doc.bullets([f"{a.label}: {a.value}" for a in facts.aftercare], empty="")


def render(
    view: SummaryView,
    *,
    program: ProgramCard,
    printed_at: datetime,
    printed_by: str,
    release: Screening | None = None,
) -> bytes:
    """The summary as signed, the sections the printer's role reads, its signatures and
    addenda."""
    summary, facts, client = view.summary, view.facts, view.client
    doc = Document(f"{summary.kind.label} for {client.display_name}", sizes=SIZES)
    doc.pdf.set_creation_date(printed_at)
    if program.logo:
        doc.logo(program.logo)
    doc.title(summary.kind.label)
    if client.is_synthetic:
        doc.strong(SYNTHETIC)
    doc.line(CONFIDENTIAL)
    doc.line(program.name)
    for line in program.address_lines:
        doc.line(line)
    if program.phone:
        doc.line(f"Phone: {program.phone}")

    doc.heading("Client")
    doc.line(
        f"{client.legal_first_name} {client.legal_last_name}, born "
        f"{client.date_of_birth.isoformat()}, record {client.record_number}"
    )
    doc.line(
        f"Admitted {facts.admitted_on.isoformat()}; last day in care "
        f"{facts.last_day.isoformat()} ({facts.days_in_care} days)"
    )
    doc.line(facts.disposition + f" on {facts.event_on.isoformat()}")
    if summary.kind is SummaryKind.REFERRAL_OUT and facts.partner is not None:
        p = facts.partner
        contact = ", ".join(x for x in (p.phone, p.address) if x)
        doc.line(f"Referred to: {p.name} ({p.level}){f', {contact}' if contact else ''}")

    doc.heading("Reason")
    doc.paragraph(summary.reason)
    doc.heading("Levels of care")
    doc.bullets(
        [
            f"{s.level}{f' at {s.partner}' if s.partner else ''}"
            f"{f', {s.track} track' if s.track != 'none' else ''}: "
            f"{s.first_day.isoformat()} to {s.last_day.isoformat()} ({s.days} days)"
            for s in facts.levels
        ],
        empty="No level recorded.",
    )
    for section in view.sections:
        _section(doc, section, facts)
    if view.withheld:
        doc.pdf.ln(2)
        doc.line(
            "Not shown to the printer's role: "
            + ", ".join(s.label.lower() for s in sorted(view.withheld))
            + "."
        )

    doc.heading("Course of treatment")
    doc.paragraph(summary.narrative)
    doc.heading("Prognosis")
    level = summary.prognosis.label if summary.prognosis else "Not given"
    doc.paragraph(f"{level}. {summary.prognosis_text}".strip())
    doc.heading("Recommendations")
    doc.paragraph(summary.recommendations)

    doc.heading("Signatures")
    doc.bullets(
        [
            f"{s.signer}, {MEANINGS[s.meaning]}, {local(s.signed_at):%Y-%m-%d %H:%M}"
            + ("" if s.intact else " (the stored summary differs from what was signed)")
            for s in view.signatures
        ],
        empty="Not signed.",
    )
    if view.awaiting_cosignature:
        doc.line("Not final: it waits for the author's supervisor's co-signature.")
    if view.addenda:
        doc.heading("Addenda")
        for a in view.addenda:
            doc.strong(f"{a.author}, {local(a.written_at):%Y-%m-%d %H:%M}")
            doc.line(a.text)
    doc.pdf.ln(4)
    doc.line(
        f"Printed {local(printed_at):%Y-%m-%d %H:%M} by {printed_by}. "
        f"Times are {program.time_zone}."
    )
    disclosure_pdf.close(doc, release)
    return doc.bytes()
