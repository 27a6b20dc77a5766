"""Who may see and arrange alumni events and mentorship.

- Read (the alumni page, events with who is coming, volunteers, mentorships, suggestions):
  clinicians (their caseload), case managers (their site) and the director. Alumni work is
  case management and recovery support; admissions, utilization review and administrators
  do not need to know who is an alumnus (minimum necessary, 45 CFR 164.502(b)).
- Events (create, edit, cancel): case managers and the director, who run the alumni
  program.
- Arrange (RSVP on someone's behalf, enrol volunteers with their consent, propose, record
  consent given in person, end): the same readers.
- Clients: their own page, their own RSVPs, their own consents (as mentee or mentor), and
  withdrawing their consent to mentor; never anyone else's.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "alumni.read",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.DIRECTOR,
    description="see alumni events and mentorship",
)
EVENTS = policy(
    "alumni.events",
    Role.CASE_MANAGER,
    Role.DIRECTOR,
    description="create and change alumni events",
)
ARRANGE = policy(
    "alumni.arrange",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.DIRECTOR,
    description="arrange alumni RSVPs, volunteers and mentorships",
)
PARTY = policy(
    "alumni.party",
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.DIRECTOR,
    Role.CLIENT,
    description="answer an alumni event or a mentorship",
)
MINE = policy("alumni.mine", Role.CLIENT, description="see your alumni events and mentoring")
