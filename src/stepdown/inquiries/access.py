"""Who may use the admissions pipeline."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

INQUIRIES_READ = policy(
    "inquiries.read",
    Role.ADMISSIONS,
    Role.DIRECTOR,
    Role.ADMIN,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.UTILIZATION_REVIEW,
    description="see admissions inquiries",
)
INQUIRIES_WRITE = policy(
    "inquiries.write",
    Role.ADMISSIONS,
    Role.DIRECTOR,
    Role.ADMIN,
    description="record or change admissions inquiries",
)
