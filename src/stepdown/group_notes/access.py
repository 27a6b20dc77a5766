"""Who writes and who reads group notes.

- Write (the note form, save, sign) and the list of sessions to document: clinicians and
  the director. The service then checks the session itself: only its leader, or a
  director, may write its note (``service.may_write``). Staff of the site who covered the
  roster do not write the clinical note of a group they did not run.
- The note form shows each attendee's name and the statements of their current plan's
  objectives to the leader, who may not have them on their caseload: that is the minimum
  a leader needs to link a line to an objective (45 CFR 164.502(b)).
- Read the individual notes filed in a chart: clinicians (their caseload), the director,
  and utilization review (payers ask for the session notes behind group billing such as
  H0005 / 90853, shared/domain/instruments-and-levels.md). A client reads their own, with
  no other member's identity or line in it.
- Co-sign: a supervisor co-signs the group notes of staff whose notes need it
  (``security.signing``); the service checks they supervise the note's author, and lets
  them read that note to review it. Clinicians and the director.
- Case managers, admissions and administrators: none. Group content is clinical detail
  their work does not need (minimum necessary).
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

WRITE = policy("group_notes.write", Role.CLINICIAN, Role.DIRECTOR, description="write group notes")
COSIGN = policy(
    "group_notes.cosign", Role.CLINICIAN, Role.DIRECTOR, description="co-sign group notes"
)
READ = policy(
    "group_notes.read",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    Role.CLIENT,
    description="read group notes",
)
# The chart tab: staff who read filed notes (a client has no chart page, only their own list).
CHART = policy(
    "group_notes.chart",
    Role.CLINICIAN,
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="read group notes in a chart",
)
OWN = policy("group_notes.own", Role.CLIENT, description="read your own group notes")
