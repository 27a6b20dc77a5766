"""Who may assess and place clients. Assessing is clinical work (clinicians, the director);
utilization review reads assessments and the discrepancy report, as payers ask for both."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

ASSESS = policy("placement.assess", Role.CLINICIAN, Role.DIRECTOR, description="write assessments")
PLACE = policy("placement.place", Role.CLINICIAN, Role.DIRECTOR, description="decide placements")
READ = policy(
    "placement.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    Role.CASE_MANAGER,
    description="read assessments",
)
REPORT = policy(
    "placement.report",
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="see the placement report",
)
RULES_READ = policy(
    "placement.rules_read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="read the placement rules",
)
RULES_WRITE = policy(
    "placement.rules_write",
    Role.DIRECTOR,
    description="change the placement rules",
)
