"""Who may see the published calendar and manage calendar feeds.

Every staff member may see a site's, room's or colleague's week (group times are not PHI;
the rosters in it are scoped by ``calendar.repository``). A client's week is for staff who
may open the chart, and for the client themselves through the portal and the API. A client's
feed is set up by their clinician or case manager (or a director), or by the client.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import STAFF_ROLES, Role

CALENDAR_READ = policy(
    "calendar.read", *sorted(STAFF_ROLES), description="see the program's calendar"
)
CLIENT_WEEK = policy(
    "calendar.client_week",
    *sorted(STAFF_ROLES),
    Role.CLIENT,
    description="see a client's week",
)
CLIENT_SCHEDULE = policy(
    "calendar.client_schedule", *sorted(STAFF_ROLES), description="see a client's schedule"
)
OWN_FEED = policy(
    "calendar.own_feed", *sorted(STAFF_ROLES), description="manage your calendar feed"
)
CLIENT_FEED = policy(
    "calendar.client_feed",
    Role.DIRECTOR,
    Role.CLINICIAN,
    Role.CASE_MANAGER,
    Role.CLIENT,
    description="manage a client's calendar feed",
)
NOTICES = policy(
    "calendar.notices",
    *sorted(STAFF_ROLES),
    Role.CLIENT,
    description="read and set aside your own schedule-change notices",
)
