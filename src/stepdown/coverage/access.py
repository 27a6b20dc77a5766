"""Who may read and change coverages, payers and eligibility checks, and why.

- Admissions and utilization review read and write coverages and run eligibility checks:
  admissions verifies benefits before the first visit, UR keeps every client covered
  (issue 15). The director does both, for oversight and for the gaps.
- Clinicians and case managers read the benefits (what a level of care costs the client,
  whether an authorization is needed) of the clients they may see; they do not change
  them. A member id is the client's identifier at the payer and is shown to them too.
- Administrators keep the payer directory (names, payer ids, phones, portals: no PHI) with
  the director and UR; they read no client's coverage (minimum necessary, 45 CFR
  164.502(b)).
- Clients see their own coverages and copays in the portal, nothing else: no raw X12, no
  other person's check (``OWN``).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES, Role

READ = policy(
    "coverage.read",
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="see a client's coverages and benefits",
)
WRITE = policy(
    "coverage.write",
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    description="record coverages and run eligibility checks",
)
PAYERS = policy(
    "coverage.payers",
    Role.ADMIN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    Role.ADMISSIONS,
    description="keep the payer directory",
)
DIRECTORY = policy(
    "coverage.directory", *sorted(STAFF_ROLES), description="read the payer directory"
)
OWN = policy("coverage.own", Role.CLIENT, description="see your own coverage and copays")
