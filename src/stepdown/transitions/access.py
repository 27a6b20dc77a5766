"""Who may see level reviews and act on them.

Clinicians (their caseload, as ``clients.repository.readable`` decides) and directors (the
program) review levels of care and move clients along the continuum (``continuum.access``
TRANSITION), so they read the queue, run the engine for a client and decide its proposals.
Utilization review reads the queue and the chart tab (payers review continued stay against
the same evidence) but decides nothing. Others see no review: minimum necessary,
45 CFR 164.502(b).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "reviews.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="see level-of-care reviews",
)
DECIDE = policy(
    "reviews.decide",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="run level-of-care reviews and accept or dismiss their proposals",
)
# Trying the rules on typed evidence reads no records; it is the director's tool for
# checking the table (the placement rules' equivalent is ``placement.access.RULES_WRITE``).
TRY = policy("reviews.try", Role.DIRECTOR, description="try the review rules on typed evidence")
