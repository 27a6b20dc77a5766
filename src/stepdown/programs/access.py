"""Who may see and change the program set-up.

The set-up itself (rooms, staff profiles, blocks, the curriculum) is not PHI; directors change
it. A client's schedule profile and keep-apart pairs are PHI: clinicians edit them for their
caseload (the client queries are scoped), and keep-apart pairs are for clinicians and the
director only, never clients or non-clinical staff.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

SETUP_READ = policy(
    "programs.setup_read",
    Role.ADMIN,
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="see the program set-up",
)
# The administrator sets a new program up (the set-up checklist links here); the director
# runs it afterwards.
SETUP_WRITE = policy(
    "programs.setup_write",
    Role.DIRECTOR,
    Role.ADMIN,
    description="change the program set-up: rooms, time blocks, groups, staff profiles",
)
CLIENT_PROFILE = policy(
    "programs.client_profile",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="see and edit a client's schedule profile",
)
KEEP_APART = policy(
    "programs.keep_apart",
    Role.DIRECTOR,
    Role.CLINICIAN,
    description="see and edit keep-apart pairs",
)
