"""Who may find and open client charts."""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES, Role

# Billing staff read what a claim carries on billing's own pages, not the chart (billing.access).
CLIENTS_READ = policy(
    "clients.read", *sorted(STAFF_ROLES - {Role.BILLING}), description="open client charts"
)
CARE_TEAM = policy(
    "clients.care_team",
    Role.DIRECTOR,
    Role.ADMISSIONS,
    Role.CLINICIAN,
    description="assign a client's clinician and case manager (clinicians: take an "
    "unassigned client, set their own client's case manager)",
)
CLIENTS_EDIT = policy(
    "clients.edit",
    Role.DIRECTOR,
    Role.ADMISSIONS,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    description="correct a client's demographics and contacts",
)
CLIENTS_MERGE = policy(
    "clients.merge",
    Role.DIRECTOR,
    description="merge two records of the same person, and undo a merge within 30 days",
)
