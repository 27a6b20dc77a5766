"""Who may work billing.

- Billing staff do all of it: review a week's charges, release them, export claim files,
  post remittances and work denials. They read only what a claim carries (billing.repository
  never opens a note's text, a score or a drug-test result value: a line says which code
  and why it is held).
- The director reads everything billing shows and may release and export (a small program
  may have no billing clerk), and keeps the contracts.
- Administrators keep the billing profile and contracts (set-up data, no client facts).
- Clinicians, case managers, admissions and utilization review: none.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "billing.read",
    Role.BILLING,
    Role.DIRECTOR,
    description="review charges, claims, remittances and balances",
)
WORK = policy(
    "billing.work",
    Role.BILLING,
    Role.DIRECTOR,
    description="release charges, export claims, post remittances and work denials",
)
SETUP = policy(
    "billing.setup",
    Role.ADMIN,
    Role.DIRECTOR,
    Role.BILLING,
    description="keep the billing profile, payer set-up and contracts",
)
