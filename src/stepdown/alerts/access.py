"""Who sees and closes clinical alerts.

- See an open alert on a chart: the clinical roles that may open that chart (director,
  clinician, case manager, admissions, utilization review). A case manager meeting a client
  should know a safety assessment is pending, even though they cannot close it.
- Lists of open alerts (home page, ``GET /api/v1/alerts``): the people who act on them. A
  clinician sees the alerts of clients they are the primary clinician for; a director sees
  every open alert, which also covers clients with no primary clinician.
- Acknowledge: clinicians and directors only; the note says what was done.

Administrators are left out on purpose: managing accounts needs no clinical detail
(minimum necessary, 45 CFR 164.502(b)), and alert summaries are clinical findings.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "alerts.read",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    description="see clinical alerts",
)
LIST = policy("alerts.list", Role.DIRECTOR, Role.CLINICIAN, description="list open clinical alerts")
ACKNOWLEDGE = policy(
    "alerts.acknowledge",
    Role.DIRECTOR,
    Role.CLINICIAN,
    description="acknowledge clinical alerts",
)
# Urgent-alert notifications reach whoever must act: the primary clinician, their
# supervisor (any staff role may supervise) or a director.
NOTIFICATIONS = policy(
    "alerts.notifications",
    Role.ADMIN,
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    description="read their alert notifications",
)
DELIVERIES = policy(
    "alerts.deliveries", Role.DIRECTOR, description="see notifications that were not delivered"
)
