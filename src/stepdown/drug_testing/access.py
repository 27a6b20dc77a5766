"""Who may read random draws and test orders. Clients never: knowing the draw's details
ahead of a collection would defeat it, and orders are other clients' records."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READERS = (Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER)
DRAWS_READ = policy("drug_testing.draws_read", *READERS, description="see random test draws")
ORDERS_READ = policy("drug_testing.orders_read", *READERS, description="see drug-test orders")
