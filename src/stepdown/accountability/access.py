"""Who may see a client's accountability summary.

Clinicians (their caseload), directors, utilization review (payers ask for exactly this
evidence when reviewing continued stay) and case managers (their site). Each of these
roles may already read every section the summary gathers (attendance hours, drug tests,
treatment objectives, check-ins, instrument scores), and which clients they see is decided
by ``clients.repository.readable`` in the services the summary calls.

Admissions and administrators are left out, as they are from those sections (minimum
necessary, 45 CFR 164.502(b)); clients discuss their progress with their clinician.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "accountability.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    Role.CASE_MANAGER,
    description="see a client's accountability summary",
)
