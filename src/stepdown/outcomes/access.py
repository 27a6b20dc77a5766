"""Who may read the program's results, open the names behind them, and export them."""

from stepdown.security.policy import policy
from stepdown.security.roles import Role

READ = policy(
    "outcomes.read",
    Role.DIRECTOR,
    Role.ADMIN,
    Role.UTILIZATION_REVIEW,
    description="see the program's outcomes",
)
# Names behind a figure are PHI: the director, who answers for the program's results, and
# utilization review, who already reads every client's record for payers.
DRILL = policy(
    "outcomes.drill",
    Role.DIRECTOR,
    Role.UTILIZATION_REVIEW,
    description="see which clients are behind an outcome figure",
)
EXPORT = policy(
    "outcomes.export",
    Role.DIRECTOR,
    description="export the de-identified outcome measures per episode",
)
