"""Who sees and changes a client's medications.

Reading: the clinical roles that interpret drug tests (director, clinician, case manager) and
utilization review, which reviews medical necessity. Adding and stopping: clinicians and
directors, who take the medication history and answer for it. Administrators and admissions
are left out (minimum necessary, 45 CFR 164.502(b)); clients see their medications with
their prescriber, not here.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "medications.read",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    description="see a client's medications",
)
WRITE = policy(
    "medications.write",
    Role.DIRECTOR,
    Role.CLINICIAN,
    description="add or stop a client's medications",
)
