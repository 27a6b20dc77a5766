"""Who may read and change aftercare plans, check-ins and follow-ups.

- Staff who follow clients after treatment: clinicians (their caseload), case managers
  (their site; aftercare is mostly theirs: referrals, check-ins, follow-up calls) and the
  director. They read and write.
- Utilization review reads one thing: the episode's plan inside the concurrent-review
  packet (``REVIEW``), because a payer's continued-stay reviewer asks for the discharge
  plan (issue 15), and a disclosure for payment may carry what the payer needs for it
  (45 CFR 164.506(c), limited by 164.502(b)). Nowhere else: no plan pages, no check-ins.
- Admissions and administrators: none. Aftercare is not billed continued stay, and neither
  role needs its content (minimum necessary, 45 CFR 164.502(b)).
- Clients: their own final plan (page and PDF), marking their own check-ins done and
  answering their own follow-ups, in the portal.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

STAFF = policy(
    "aftercare.staff",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="work on aftercare plans, check-ins and follow-ups",
)
PDF = policy(
    "aftercare.pdf",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.CLIENT,
    description="print an aftercare plan",
)
PORTAL = policy("aftercare.portal", Role.CLIENT, description="see your own aftercare plan")
REVIEW = policy(
    "aftercare.review",
    Role.UTILIZATION_REVIEW,
    Role.DIRECTOR,
    description="read the discharge plan for a concurrent review",
)
