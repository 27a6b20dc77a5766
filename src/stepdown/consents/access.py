"""Who may read and record consents, contacts and releases, and why.

- Admissions, clinicians, case managers and the director record them: consents are taken
  at admission and whenever a client asks for someone to be told something, by whoever is
  with the client (in person, attested by that staff member). They read them for the
  clients they may otherwise read (``clients.repository.readable``).
- Utilization review reads them: a payer's review is a disclosure, and the reviewer must
  see that the TPO consent is in force before sending a packet.
- Administrators: none (no clinical need), except the directory of program-wide recipients.
- The client reads, signs and revokes their own in the portal (§ 2.31: a consent may be
  electronic; revocation is in writing, which the portal's signed revocation is).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "consents.read",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    description="read a client's consents, contacts and disclosures",
)
WRITE = policy(
    "consents.write",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.ADMISSIONS,
    description="record consents, contacts and the privacy notice",
)
OWN = policy(
    "consents.own",
    Role.CLIENT,
    description="read, sign and revoke one's own consents",
)
SETTINGS = policy(
    "consents.settings",
    Role.DIRECTOR,
    Role.ADMIN,
    description="set the program's rule for minors' consents",
)
DIRECTORY = policy(
    "consents.directory",
    Role.DIRECTOR,
    Role.ADMIN,
    Role.ADMISSIONS,
    Role.UTILIZATION_REVIEW,
    description="keep the directory of providers, payers and agencies records may go to",
)
FAMILY = policy(
    "consents.family",
    Role.GUARDIAN,
    description="see what a minor's consents let their guardian see",
)
