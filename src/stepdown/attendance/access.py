"""Who takes attendance and who sees hours.

- Take attendance (and see a roster): the session's leader, a director, or a clinician or
  case manager of the session's site (covering for a colleague who is out). The route
  admits those roles; the service checks the session itself (``service.may_take``), so the
  API, the pages and the CLI refuse another site's case manager alike. A roster shows each
  member's name and record number only, to a leader who may not otherwise have them on
  their caseload (minimum necessary, 45 CFR 164.502(b)).
- Hours and the compliance board: the clinical and coordinating roles; the board lists
  only clients the actor may read (a clinician's caseload, a case manager's site).
  Utilization review sees hours because payers ask whether the level's hours were met.

Administrators and admissions are left out: neither runs groups nor follows treatment hours.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

TAKE = policy(
    "attendance.take",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="take attendance",
)
HOURS = policy(
    "attendance.hours",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    description="see treatment hours and the compliance board",
)
