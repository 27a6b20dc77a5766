"""Who may find and open client charts."""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES

CLIENTS_READ = policy("clients.read", *sorted(STAFF_ROLES), description="open client charts")
