"""Who may read the audit trail."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

AUDIT_READ = policy("audit.read", Role.ADMIN, Role.DIRECTOR, description="read the audit trail")
