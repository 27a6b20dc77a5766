"""The person (or system process) on whose behalf a service call runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from stepdown.security.roles import Role


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    role: Role
    username: str
    site_id: uuid.UUID | None = None

    @classmethod
    def system(cls, label: str) -> Actor:
        """CLI commands and jobs act as the system, named so the audit trail says who ran it."""
        return cls(user_id=None, role=Role.SYSTEM, username=label)

    @property
    def is_staff(self) -> bool:
        return self.role not in (Role.CLIENT, Role.GUARDIAN, Role.SYSTEM)
