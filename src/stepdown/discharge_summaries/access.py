"""Who writes and who reads discharge summaries (minimum necessary, 45 CFR 164.502(b)).

- Write (start the draft, edit it, sign it, add an addendum), and the list of summaries
  still due: clinicians (their caseload: ``clients.repository.readable``) and the director.
  Summarising a stay is clinical work, done by the clinician who treated the client; the
  director covers for a clinician who has left and oversees what is still due.
- Co-sign: a supervisor co-signs the summaries of staff whose notes need it
  (``security.signing``); the service checks they supervise the author now and lets them
  read that summary to review it. Clinicians and the director.
- Read, signed summaries only (a draft is the clinician's working copy, and one waiting
  for a co-signature is not final):
  - utilization review: payers ask for the discharge summary to close an authorization
    and to review the stay after the fact, as they read the plan, the diagnoses and the
    notes behind it (program-wide, as for those);
  - case managers (their site): the summary is the hand-off their aftercare coordination
    works from (sober living, appointments, follow-up calls after discharge), and at a
    referral out it is what they send ahead with the client's consent.
  Each reads only the sections of the record their role reads at its source
  (``rules.SECTION_POLICIES``): a case manager sees no diagnosis (the diagnoses domain
  withholds them from case managers, 42 CFR 2.12(c)(3)), utilization review no referral or
  aftercare plan (the case-management and aftercare domains withhold those from it). The
  clinician's narrative, prognosis and recommendations are shown to every reader.
- Print and download (an audited export): whoever may read the summary, of a summary
  signed by its author.
- Admissions and administrators: none; neither role needs a stay's clinical summary.
- Clients: not here; a client's own record is released on request.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

WRITE = policy(
    "discharge_summaries.write",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="write discharge summaries",
)
COSIGN = policy(
    "discharge_summaries.cosign",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="co-sign discharge summaries",
)
READ = policy(
    "discharge_summaries.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    Role.CASE_MANAGER,
    description="read discharge summaries",
)
# Roles that read only signed (final) summaries, never a draft.
SIGNED_ONLY = frozenset({Role.UTILIZATION_REVIEW, Role.CASE_MANAGER})
DUE = policy(
    "discharge_summaries.due",
    Role.CLINICIAN,
    Role.DIRECTOR,
    description="see the discharge summaries still to write",
)
