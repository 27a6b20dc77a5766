"""The menu each role sees. An entry appears only for roles its page's policy allows."""

from __future__ import annotations

from dataclasses import dataclass

from stepdown.security.policy import Policy
from stepdown.security.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    policy: Policy
    order: int


_ITEMS: list[NavItem] = []


def register(label: str, href: str, policy: Policy, *, order: int) -> None:
    """Domains add their pages to the menu; ``order`` places them left to right."""
    if all(item.href != href for item in _ITEMS):
        _ITEMS.append(NavItem(label, href, policy, order))
        _ITEMS.sort(key=lambda item: item.order)


def items_for(role: Role) -> list[NavItem]:
    return [item for item in _ITEMS if item.policy.allows(role)]
