"""What a PDF carries when it leaves the program (42 CFR 2.32): the recipient, the scope of
the consent, the notice verbatim and what was left out; and on the program's own copy, the
line that says it is not for release."""

from __future__ import annotations

from stepdown.disclosures.gate import Screening
from stepdown.disclosures.outbound import INTERNAL_COPY
from stepdown.kit.pdf import Document


def close(doc: Document, release: Screening | None) -> None:
    """End the document with its release block, or with the internal-copy line."""
    if release is None:
        doc.pdf.ln(3)
        doc.strong(INTERNAL_COPY)
        return
    doc.heading(f"Released to {release.recipient_label}")
    doc.line(release.scope or "")
    if release.withheld:
        left_out = "; ".join(item.label.lower() for item in sorted(release.withheld))
        doc.line(f"Withheld (no consent covers it): {left_out}.")
    doc.heading("Notice to the recipient (42 CFR 2.32)")
    doc.line(release.notice or "")
    doc.line(f"This disclosure was recorded (notice version {release.notice_version}).")
