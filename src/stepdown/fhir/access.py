"""Who may call the FHIR routes.

- Reading: every signed-in role through the route; what each may read is decided per kind
  of resource (``kinds``: a staff role reads here what its domain policies let it read
  elsewhere; a client reads their own record) and per scope. Backend systems come in
  with an access token instead of a role, and read what their scopes and the client's
  consents allow.
- Registering and disabling backend clients: the director and administrators (it decides
  which outside systems may ask at all; each disclosure still needs a consent).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import USER_ROLES, Role

# A guardian's access is the guardian portal's, screened for them as a recipient.
READ = policy(
    "fhir.read",
    *(r for r in USER_ROLES if r is not Role.GUARDIAN),
    description="read the record through the FHIR API",
)
MANAGE_CLIENTS = policy(
    "fhir.clients",
    Role.DIRECTOR,
    Role.ADMIN,
    description="register and disable FHIR backend clients",
)
