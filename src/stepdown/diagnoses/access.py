"""Who reads and records diagnoses (minimum necessary, 45 CFR 164.502(b)).

- Record, resolve, rule out, change the principal diagnosis, mark entered in error:
  clinicians (their caseload) and the director. Diagnosing is clinical work; the service
  also requires that the person named as having made the diagnosis is a clinician or the
  director.
- Read: those two, and utilization review: payers ask for the diagnoses behind every
  authorization and claim (the principal diagnosis is on each claim line), and reviewers
  read them program-wide as they read plans and notes.
- Case managers: none. Their work (housing, employment, legal and court, transportation,
  benefits, childcare, sober living) is planned from the needs assessment and the treatment
  plan's case-management interventions, which they already read; none of it needs the
  ICD-10-CM code or the DSM-5-TR severity. A diagnosis is also substance use disorder
  information, which 42 CFR Part 2 lets the program use internally only by staff "who have
  a need for the information" for their duties (42 CFR 2.12(c)(3)). When a referral form
  (a sober-living home, a benefits application) asks for a diagnosis, the clinician
  supplies it with the client's consent, as a disclosure.
- Admissions and administrators: none (admissions works before there is a diagnosis and
  records the substances a caller names, "as told, not verified"; administrators manage
  accounts, not care).
- Clients: not through these routes; a client's own record is released on request.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "diagnoses.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="read diagnoses",
)
WRITE = policy(
    "diagnoses.write",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="record diagnoses",
)
# The code-set lookup holds no PHI; it is offered to whoever works with diagnoses.
CODES = policy(
    "diagnoses.codes",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="look up diagnosis codes",
)
# Roles that may be named as having made a diagnosis.
DIAGNOSING_ROLES = frozenset({Role.CLINICIAN, Role.DIRECTOR})
