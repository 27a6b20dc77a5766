"""Who may read and change needs, referrals and the resource directory, and why.

- Case managers write: needs, their statuses, referrals and their follow-ups are their work.
  They write for their caseload, the clients whose care team names them as case manager
  (``clients.care_team``); that is checked per client in the service (``may_write``), since
  a route cannot know the client. They read the clients of their site, as for every other
  record (``clients.repository.readable``), so a colleague covering a caseload can see where
  things stand; covering by writing goes through the director, who reassigns the caseload.
- The director: reads and writes for every client (oversight, and reassignment gaps).
- Clinicians read the needs and referrals of their caseload: care coordination, and the
  treatment plan's recovery-environment goals (ASAM dimension 6) lean on them. A clinician
  often hears of a need first (in session), so they may add one; statuses and referrals stay
  with the case manager, who follows them up.
- Utilization review: none. Payers' continued-stay reviews are argued from the ASAM
  dimensions, the plan and the notes; the referral record itself (where the client was sent,
  why a house declined them) is not needed for that, so it is withheld (minimum necessary,
  45 CFR 164.502(b)). Admissions and administrators: none, for the same reason; admissions'
  intake findings reach case management through the intake assessment.
- Clients: none here; what they are told of a referral, they are told by their case manager.

The resource directory holds no PHI (organizations and their public contact details): the
staff who read needs read it, and the staff who write referrals keep it up to date.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "case_management.read",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.CLINICIAN,
    description="read needs and referrals",
)
WRITE = policy(
    "case_management.write",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="change needs and make referrals",
)
ADD_NEED = policy(
    "case_management.add_need",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.CLINICIAN,
    description="record a client's need",
)
WORKLIST = policy(
    "case_management.worklist",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="see the case-management worklist",
)
RESOURCES_READ = policy(
    "case_management.resources_read",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    Role.CLINICIAN,
    description="read the community resource directory",
)
RESOURCES_WRITE = policy(
    "case_management.resources_write",
    Role.DIRECTOR,
    Role.CASE_MANAGER,
    description="change the community resource directory",
)
