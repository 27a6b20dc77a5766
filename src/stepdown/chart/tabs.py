"""Chart tabs contributed by other domains, so each domain owns its tab's data and template.

A domain registers its tab from its ``pages`` module (as it registers a menu entry), giving
a builder that reads through its own service, which audits the read, and a template
fragment that renders the builder's result as ``section``. Only roles the policy allows see
the tab, so a tab never offers what its builder would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy

TabBuilder = Callable[[Session, Actor, Client], object]


@dataclass(frozen=True)
class ChartTab:
    key: str
    label: str
    policy: Policy
    template: str
    build: TabBuilder
    order: int


_TABS: dict[str, ChartTab] = {}


def register(
    key: str, label: str, policy: Policy, *, template: str, build: TabBuilder, order: int
) -> None:
    _TABS.setdefault(key, ChartTab(key, label, policy, template, build, order))


def tabs_for(actor: Actor) -> list[ChartTab]:
    return sorted((t for t in _TABS.values() if t.policy.allows(actor.role)), key=lambda t: t.order)


def find(key: str, actor: Actor) -> ChartTab | None:
    tab = _TABS.get(key)
    return tab if tab is not None and tab.policy.allows(actor.role) else None
