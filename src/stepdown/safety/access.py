"""Who records safety assessments and plans, and who reads them.

- Record a safety assessment (and the plan with it): clinicians and directors, the licensed
  staff who formulate suicide risk (SAFE-T is a clinician's tool).
- Read the gate, the assessments and the plan: the clinical roles that may open the chart
  and meet the client (clinicians, directors, case managers). A case manager seeing the
  client must know the plan and who to call.
- The client reads their own current plan in the portal (``portal.access``).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

ASSESS = policy(
    "safety.assess", Role.CLINICIAN, Role.DIRECTOR, description="record safety assessments"
)
READ = policy(
    "safety.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="read safety assessments and plans",
)
