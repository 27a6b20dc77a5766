"""Who writes, reads, co-signs and configures progress notes.

- Write (start, save, sign, add an addendum): clinicians, the director and case managers.
  The note's author is whoever delivered the service, because a payer pays the rendering
  provider on their own note: an appointment's note is written by the appointment's staff
  member only (``service``), and an unscheduled note by someone who may read the client
  (their caseload or site, ``clients.repository.readable``) or, for a supervised author
  whose notes are co-signed, a client on the supervisor's caseload: a trainee documents
  their supervisor's clients under the supervisor's license, which is why the supervisor
  co-signs. Case managers write case-management notes only (``TYPES_BY_ROLE``).
- Read a filed note: the author; their supervisor; clinicians (caseload) and the director;
  utilization review (payers ask for the notes behind the services they pay); case
  managers, case-management notes only (therapy and psychiatric content is not needed for
  their work: minimum necessary, 45 CFR 164.502(b)). A draft is the author's working copy
  and nobody else's to read.
- Co-sign or return: a supervisor, for the notes waiting for them (checked per note).
- Settings (format, hours, threshold, what clients may read): the director.
- A client reads their own signed notes in the portal for the types the program allows
  (none by default). The HIPAA right of access (45 CFR 164.524) covers these progress notes
  too and is met on request through the records office; the portal is an extra, so the
  program chooses. Administrators and admissions read none.
"""

from __future__ import annotations

from stepdown.clinical_notes.models import ServiceType
from stepdown.security.policy import policy
from stepdown.security.roles import Role

WRITE = policy(
    "clinical_notes.write",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="write progress notes",
)
READ = policy(
    "clinical_notes.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    description="read progress notes",
)
COSIGN = policy(
    "clinical_notes.cosign",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="co-sign supervised staff's notes",
)
SETTINGS = policy(
    "clinical_notes.settings",
    Role.DIRECTOR,
    description="set the program's documentation rules",
)
OWN = policy("clinical_notes.own", Role.CLIENT, description="read your own progress notes")

ALL_TYPES = frozenset(ServiceType)
# The note types each role writes and reads (beyond their own notes).
TYPES_BY_ROLE: dict[Role, frozenset[ServiceType]] = {
    Role.CLINICIAN: ALL_TYPES,
    Role.DIRECTOR: ALL_TYPES,
    Role.UTILIZATION_REVIEW: ALL_TYPES,
    Role.SYSTEM: ALL_TYPES,
    Role.CASE_MANAGER: frozenset({ServiceType.CASE_MANAGEMENT}),
}


def types_for(role: Role) -> frozenset[ServiceType]:
    return TYPES_BY_ROLE.get(role, frozenset())
