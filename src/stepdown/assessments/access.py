"""Who may administer, read and correct instrument results.

- Administer: clinicians and directors; case managers, who often give the BAM at check-ins;
  admissions staff, who screen (AUDIT-C, DAST-10, PHQ-9, C-SSRS) at intake.
- Read results and trends: those roles plus utilization review, which cites severity
  scores in medical-necessity reviews with payers.
- Administrators see no results: account administration needs no clinical detail (minimum
  necessary, 45 CFR 164.502(b)), even though they may open a chart's identity page. Clients
  do not see their own scores here; sharing them is a clinical conversation.
- Mark a result entered in error: clinicians and directors for any result they can see;
  the other administering roles only for results they recorded themselves (the service
  checks that part).
- The instrument catalog (items, scales, cut-offs) holds no PHI, so every staff role may
  read it.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES, Role

_ADMINISTERING = (Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER, Role.ADMISSIONS)

CATALOG = policy(
    "assessments.catalog", *sorted(STAFF_ROLES), description="see the instrument catalog"
)
ADMINISTER = policy(
    "assessments.administer", *_ADMINISTERING, description="record instrument results"
)
READ = policy(
    "assessments.read",
    *_ADMINISTERING,
    Role.UTILIZATION_REVIEW,
    description="see instrument results",
)
CORRECT = policy(
    "assessments.correct", *_ADMINISTERING, description="mark instrument results entered in error"
)
# Roles that may correct any result they can see, not only their own.
CORRECT_ANY = frozenset({Role.DIRECTOR, Role.CLINICIAN})
