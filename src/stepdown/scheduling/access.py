"""Who may build, review and publish the week's schedule.

Directors only. A build holds every client of the program for the week (availability, level,
unmet hours and the reason), which is the director's program-wide view; building and
publishing change everyone's week at once. Clinicians and case managers see the published
result on the calendar pages, scoped to their caseload or site, rather than here.
Administrators run the system, not the clinical week, so they are not included.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

SCHEDULE = policy(
    "scheduling.builds",
    Role.DIRECTOR,
    description="build, review and publish the week's schedule",
)
