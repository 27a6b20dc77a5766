"""Who may see and change authorizations.

- Utilization review keeps them (requests, decisions, appeals); the director too; admissions
  records the first authorization before admission, when the payer requires one.
- Clinicians and case managers read them: how many days are left shapes the treatment plan
  and the step-down conversation.
- Administrators and clients: none (a client's costs are on their coverage page).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "authorizations.read",
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    Role.ADMISSIONS,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="see authorizations and the units left",
)
WRITE = policy(
    "authorizations.write",
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    Role.ADMISSIONS,
    description="request authorizations and record the payer's decisions",
)
DESK = policy(
    "authorizations.desk",
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    description="work the utilization-review desk",
)
# The concurrent-review packet gathers the whole record for a payer's reviewer: the staff
# who argue continued stays build it.
REVIEW_PACKET = policy(
    "authorizations.review_packet",
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    description="build a concurrent-review packet",
)
