"""Everyone signed in has a home page."""

from stepdown.security.policy import policy
from stepdown.security.roles import USER_ROLES

HOME = policy("home.view", *USER_ROLES, description="see a home page")
