"""Who may see and move clients along the continuum."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

STAFF = (
    Role.ADMIN,
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
)
CENSUS_READ = policy("continuum.census_read", *STAFF, description="see the census")
ADMIT = policy(
    "continuum.admit",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.ADMISSIONS,
    description="admit clients to a level of care",
)
TRANSITION = policy(
    "continuum.transition",
    Role.DIRECTOR,
    Role.CLINICIAN,
    description="move clients between levels of care or discharge them",
)
CATALOG_READ = policy("continuum.catalog_read", *STAFF, description="see the levels of care")
CATALOG_WRITE = policy(
    "continuum.catalog_write",
    Role.DIRECTOR,
    Role.ADMIN,
    description="edit the levels of care (the administrator at set-up, the director after)",
)
PARTNERS_WRITE = policy(
    "continuum.partners_write", Role.DIRECTOR, Role.ADMIN, description="manage partner providers"
)
