"""Who writes and who reads intake assessments.

- Write (start, save the draft, sign, add a signed addendum): clinicians, for the clients
  on their caseload, and the director. The biopsychosocial is clinical work, and its
  signer vouches for its content.
- Co-sign: the supervisor named for a supervised clinician (``signing.needs_cosignature``),
  who may be a clinician or the director. They read the intake they are asked to co-sign
  even when its client is not on their caseload: reviewing it is the co-signature's
  purpose (45 CFR 164.502(b) minimum necessary: that one intake, nothing else of the chart).
- Read: clinicians (their caseload), the director, and utilization review, who read
  signed intakes only (final ones: co-signed where needed). Payers ask for the admission
  assessment behind a level-of-care authorization; a draft is not the program's record yet.
- Case managers, admissions, administrators and clients: none. The intake holds
  psychiatric, trauma, legal and family history that none of those roles' work needs
  (minimum necessary); case managers record needs and referrals in their own records,
  admissions screens in the inquiry, and a client's right of access to their record
  (45 CFR 164.524) is met through a records request, not the portal.
- The list of intakes due and the co-signature queue belong to the people who write and
  co-sign: clinicians and the director.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

WRITE = policy("intake.write", Role.CLINICIAN, Role.DIRECTOR, description="write intakes")
READ = policy(
    "intake.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="read intakes",
)
COSIGN = policy("intake.cosign", Role.CLINICIAN, Role.DIRECTOR, description="co-sign intakes")
DUE = policy("intake.due", Role.CLINICIAN, Role.DIRECTOR, description="list intakes due")
# Roles that read only final intakes (signed, and co-signed where needed).
FINAL_ONLY = frozenset({Role.UTILIZATION_REVIEW})
