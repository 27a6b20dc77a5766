"""The portal is the client's own view: only the client role may open it.

Staff read the same facts on the chart, scoped to their caseload or site; a portal page
always shows the signed-in client's own record, so letting staff in would only let them see
it through the wrong door.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

PORTAL = policy("portal.view", Role.CLIENT, description="use the client portal")
INVITE = policy(
    "portal.invite",
    Role.DIRECTOR,
    Role.ADMISSIONS,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="invite a client to make their portal account",
)
