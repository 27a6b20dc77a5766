"""Route policies: which roles may call a route.

Each domain declares its policies in its own ``access.py``; routes name one through
``allow(POLICY)``. The dependency carries the policy so a test can walk every route.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepdown.security.roles import Role


@dataclass(frozen=True)
class Policy:
    name: str
    roles: frozenset[Role]
    description: str = ""

    def allows(self, role: Role) -> bool:
        return role in self.roles


def policy(name: str, *roles: Role, description: str = "") -> Policy:
    if Role.SYSTEM in roles:
        raise ValueError("the system actor never uses web routes")
    return Policy(name=name, roles=frozenset(roles), description=description)
