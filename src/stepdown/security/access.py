"""Who may use the identity routes."""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES, USER_ROLES, Role

SIGNED_IN = policy("security.signed_in", *USER_ROLES, description="use this page")
USERS_READ = policy("security.users_read", Role.ADMIN, Role.DIRECTOR, description="list accounts")
USERS_MANAGE = policy("security.users_manage", Role.ADMIN, description="manage accounts")
# A staff member's own signing PIN (``signing``): staff only; clients never sign records.
OWN_ACCOUNT = policy("security.own_account", *sorted(STAFF_ROLES), description="set a signing PIN")
