"""Who may give, enter and read daily check-ins.

- Submit their own: clients, through the portal or the API with their own account. The
  service narrows a client to their own record (``clients.repository.readable``), so a
  client naming another client's id gets 404, as if that record did not exist.
- Enter one on a client's behalf (e.g. read out over the phone): clinicians, directors and
  case managers, for clients they may see. The row says it was entered by staff.
- Read check-ins, trends and flags on the chart: those roles plus utilization review,
  which cites craving and use in medical-necessity reviews. Admissions staff work before
  admission and administrators manage accounts; neither needs daily clinical self-reports
  (minimum necessary, 45 CFR 164.502(b)).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

_ENTERING = (Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER)

SUBMIT_OWN = policy("checkins.submit_own", Role.CLIENT, description="check in for yourself")
RECORD = policy("checkins.record", *_ENTERING, description="enter a check-in on a client's behalf")
READ = policy(
    "checkins.read",
    *_ENTERING,
    Role.UTILIZATION_REVIEW,
    description="see clients' check-ins",
)
# The JSON routes serve both: a client on their own record, staff on clients they may see.
API_SUBMIT = policy("checkins.api_submit", Role.CLIENT, *_ENTERING, description="submit a check-in")
API_READ = policy(
    "checkins.api_read",
    Role.CLIENT,
    *_ENTERING,
    Role.UTILIZATION_REVIEW,
    description="see check-ins",
)
