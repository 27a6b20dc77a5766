"""Who sets the program up: the administrator and the director (a small program often has
only one of them). Nothing here is PHI."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

SETUP = policy(
    "setup.program",
    Role.ADMIN,
    Role.DIRECTOR,
    description="see the set-up checklist; change the program's details and sites",
)
