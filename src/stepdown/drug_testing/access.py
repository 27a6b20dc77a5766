"""Who may do what in drug testing.

- Random draws: directors, clinicians and case managers, who run collections. Clients never:
  knowing a draw's details ahead of a collection would defeat it.
- Orders, specimens and results of a client (read): the same roles, plus utilization
  review, which reads them to review medical necessity but changes nothing.
- Order a test (admission, for cause) and set a client's standing schedule: clinicians and
  directors; a test is a clinical decision.
- Record a collection, a refusal or a missed collection, and enter results: clinicians, case
  managers and directors, the staff who collect specimens and read the cups.
- The site's list of today's tests: the same collecting staff.

Administrators and admissions are left out (minimum necessary, 45 CFR 164.502(b)); drug
testing records may also fall under 42 CFR Part 2.
"""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READERS = (Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER)
COLLECTORS = (Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER)
DRAWS_READ = policy("drug_testing.draws_read", *READERS, description="see random test draws")
ORDERS_READ = policy(
    "drug_testing.orders_read",
    *READERS,
    Role.UTILIZATION_REVIEW,
    description="see drug-test orders and results",
)
ORDER = policy("drug_testing.order", Role.DIRECTOR, Role.CLINICIAN, description="order drug tests")
COLLECT = policy(
    "drug_testing.collect",
    *COLLECTORS,
    description="record drug-test collections and results",
)
TODAY = policy("drug_testing.today", *COLLECTORS, description="see the site's tests of the day")
