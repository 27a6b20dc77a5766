"""Who may read and change treatment plans.

- Write (draft, sign as clinician, witness an in-person client signature, progress notes,
  reviews): clinicians (their caseload) and the director. Planning treatment is clinical
  work.
- Read: also case managers (they carry out the case-management and referral interventions
  at their site) and utilization review (payers ask for the current plan and its reviews
  when authorizing continued stay).
- Admissions and administrators: none; neither role needs the plan's clinical content
  (minimum necessary, 45 CFR 164.502(b)).
- Clients: their own goals and objectives, and signing their own plan in the portal.
- The overdue-review list is for the people who hold the reviews: clinicians and the
  director.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "treatment_plans.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    description="read treatment plans",
)
WRITE = policy(
    "treatment_plans.write",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="write treatment plans",
)
OVERDUE = policy(
    "treatment_plans.overdue",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="list overdue plan reviews",
)
GOALS_READ = policy(
    "treatment_plans.goals_read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    Role.CLIENT,
    description="read treatment goals",
)
CLIENT_SIGN = policy(
    "treatment_plans.client_sign",
    Role.CLIENT,
    description="sign your own treatment plan",
)
