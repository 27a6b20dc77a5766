"""Who reads, files and corrects chart documents, and which kinds each role sees.

Every read is scoped to the clients the caller may open (``clients.service.get_client``:
a clinician their caseload, case managers and admissions their site, the director and
utilization review the program), and limited to the kinds below (minimum necessary,
45 CFR 164.502(b) and 164.514(d)); a document of a kind the role does not read is
answered as not found, as is one on a chart the caller may not open.

- Clinicians and the director: every kind, read and file. Outside records, lab reports and
  court papers are clinical or legal context for the clinician's care, and the director
  answers for the whole record.
- Case managers: every kind, read and file. They collect IDs and insurance cards, work
  the legal/court, benefits and housing needs, and gather outside records (issue 14).
- Admissions: files at intake what intake collects and reads those kinds back to check
  them: photo ID, insurance card, signed paper forms (consents), outside records that come
  with a referral, and court papers of a court-ordered admission. Not lab reports or
  "other": nothing at intake needs them.
- Utilization review: reads insurance cards (the member and group numbers of an
  authorization request) and outside records (prior treatment that supports medical
  necessity for the level of care), and nothing else: IDs, court papers, lab reports and
  signed forms are not part of a payer review. It files nothing.
- Administrators and clients: none. An administrator runs the system, not the record; a
  client's copy of their record goes through a request for access, not this tab.

Marking a document entered in error (its row and file stay; it drops out of everyday
views): the person who uploaded it, or the director (who keeps the record's integrity).
Documents entered in error stay readable to the director only: a misfiled paper usually
holds someone else's information.
"""

from stepdown.documents.models import DocumentKind
from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "documents.read",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="read documents in a client's chart",
)
UPLOAD = policy(
    "documents.upload",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.DIRECTOR,
    description="file documents in a client's chart",
)
CORRECT = policy(
    "documents.correct",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.DIRECTOR,
    description="mark a document entered in error",
)

ALL_KINDS = frozenset(DocumentKind)
INTAKE_KINDS = frozenset(
    {
        DocumentKind.IDENTIFICATION,
        DocumentKind.INSURANCE_CARD,
        DocumentKind.SIGNED_FORM,
        DocumentKind.OUTSIDE_RECORDS,
        DocumentKind.COURT_PAPERS,
    }
)
REVIEW_KINDS = frozenset({DocumentKind.INSURANCE_CARD, DocumentKind.OUTSIDE_RECORDS})

READABLE_KINDS: dict[Role, frozenset[DocumentKind]] = {
    Role.CLINICIAN: ALL_KINDS,
    Role.CASE_MANAGER: ALL_KINDS,
    Role.DIRECTOR: ALL_KINDS,
    Role.ADMISSIONS: INTAKE_KINDS,
    Role.UTILIZATION_REVIEW: REVIEW_KINDS,
    # CLI and jobs (the demo seed) act for the program.
    Role.SYSTEM: ALL_KINDS,
}
UPLOADABLE_KINDS: dict[Role, frozenset[DocumentKind]] = {
    Role.CLINICIAN: ALL_KINDS,
    Role.CASE_MANAGER: ALL_KINDS,
    Role.DIRECTOR: ALL_KINDS,
    Role.ADMISSIONS: INTAKE_KINDS,
    Role.SYSTEM: ALL_KINDS,
}
# Who sees documents entered in error (listed apart, opened with a banner).
SEES_ERRORS = frozenset({Role.DIRECTOR, Role.SYSTEM})
# Who marks any document entered in error; others only their own uploads.
CORRECTS_ANY = frozenset({Role.DIRECTOR, Role.SYSTEM})


def readable_kinds(role: Role) -> frozenset[DocumentKind]:
    return READABLE_KINDS.get(role, frozenset())


def uploadable_kinds(role: Role) -> frozenset[DocumentKind]:
    return UPLOADABLE_KINDS.get(role, frozenset())
