"""The placement rule table the program runs on: published versions, never overwritten.

The clinical director changes the table by publishing a whole new version with a note saying
why; reverting publishes a copy of an older one. Keeping every version lets a signed
assessment name the table that produced its recommendation and lets a payer's reviewer see
what the rules were on any day. Until a version is published the built-in ``DEFAULT_RULES``
apply, reported as version 0.

A table is published only if ``check_rules`` accepts it and the engine recommends for every
canonical vignette without failing, so an edit cannot break intake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.placement import access, rules
from stepdown.placement.models import PlacementRuleTable
from stepdown.placement.rule_table import DEFAULT_RULES, Action, Level, Rule, RuleTableError
from stepdown.placement.rules import PlacementFacts
from stepdown.placement.schemas import RuleRow
from stepdown.placement.vignettes import SANITY_VIGNETTES
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

BUILT_IN_VERSION = 0


@dataclass(frozen=True)
class ActiveTable:
    """The table in force and where it came from; ``stored`` is None for the defaults."""

    version: int
    rules: tuple[Rule, ...]
    stored: PlacementRuleTable | None

    @property
    def created_at(self) -> datetime | None:
        return self.stored.created_at if self.stored else None

    @property
    def note(self) -> str:
        return self.stored.note if self.stored else "The built-in table the program ships with."


def row_of(rule: Rule) -> RuleRow:
    return RuleRow(
        id=rule.id,
        looks_at=rule.looks_at,
        when=list(rule.when),
        action=rule.action.value,
        drives=str(rule.drives),
        sentence=rule.sentence,
        then=rule.then.value if rule.then else None,
    )


def rule_of(row: RuleRow) -> Rule:
    """The engine's row, or Invalid naming the row when its action or then is not one we know."""
    where = f"rule {row.id or '(no id)'}"
    if not row.id.strip():
        raise Invalid("every rule needs an id", field="rules")
    try:
        action = Action(row.action)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise Invalid(
            f"{where}: action {row.action!r} is not one of {known}", field="rules"
        ) from None
    try:
        then = Level(row.then) if row.then else None
    except ValueError:
        raise Invalid(f"{where}: then {row.then!r} is not a level", field="rules") from None
    return Rule(
        id=row.id.strip(),
        looks_at=row.looks_at.strip(),
        when=tuple(c.strip() for c in row.when if c.strip()),
        action=action,
        drives=row.drives.strip(),
        sentence=row.sentence,
        then=then,
    )


def rules_of(stored: PlacementRuleTable) -> tuple[Rule, ...]:
    return tuple(rule_of(RuleRow.model_validate(row)) for row in stored.rows)


def _latest(session: Session) -> PlacementRuleTable | None:
    return session.scalar(
        select(PlacementRuleTable)
        .where(PlacementRuleTable.is_active)
        .order_by(PlacementRuleTable.version.desc())
        .limit(1)
    )


def active(session: Session) -> ActiveTable:
    stored = _latest(session)
    if stored is None:
        return ActiveTable(BUILT_IN_VERSION, DEFAULT_RULES, None)
    return ActiveTable(stored.version, rules_of(stored), stored)


def active_rules(session: Session) -> tuple[Rule, ...]:
    return active(session).rules


def history(session: Session) -> list[PlacementRuleTable]:
    """Every published version, newest first."""
    return list(
        session.scalars(select(PlacementRuleTable).order_by(PlacementRuleTable.version.desc()))
    )


def _culprit(table: Sequence[Rule], facts: PlacementFacts) -> str:
    """The first row that fails on these facts by itself, or the table as a whole."""
    values = facts.fact_values()
    for rule in table:
        try:
            rule.fires(values)
            rule.sentence.format(value=values[rule.looks_at])
        except Exception:
            return f"rule {rule.id}"
    return "the table"


def check_table(table: Sequence[Rule]) -> None:
    """Refuse a table the engine cannot apply, naming the row: the static checks first, then
    the engine on every canonical vignette, for failures the static checks do not foresee."""
    try:
        rules.check_rules(table)
    except RuleTableError as error:
        raise Invalid(str(error), field="rules") from None
    for name, facts in SANITY_VIGNETTES.items():
        try:
            rules.recommend(facts, rules=table)
        except Exception as error:
            raise Invalid(
                f"{_culprit(table, facts)}: fails for the vignette {name!r} ({error})",
                field="rules",
            ) from None


def publish(
    session: Session, *, actor: Actor, rows: Sequence[RuleRow], note: str
) -> PlacementRuleTable:
    """Store ``rows`` as the new active version, or refuse and store nothing."""
    if actor.role is not Role.SYSTEM and not access.RULES_WRITE.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.RULES_WRITE.description}")
    if not note.strip():
        raise Invalid("say what changed and why", field="note")
    table = tuple(rule_of(row) for row in rows)
    check_table(table)
    highest = session.scalar(select(func.max(PlacementRuleTable.version)))
    stored = PlacementRuleTable(
        version=(highest or BUILT_IN_VERSION) + 1,
        rows=[row_of(rule).model_dump() for rule in table],
        note=note.strip(),
        is_active=True,
        created_by=actor.user_id,
    )
    session.add(stored)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="placement_rule_table",
        entity_id=stored.id,
        detail={"version": stored.version, "rules": len(table)},
    )
    return stored


def revert(session: Session, *, actor: Actor, version: int, note: str) -> PlacementRuleTable:
    """Publish a copy of an older version (0: the built-in table) as the newest one."""
    if version == BUILT_IN_VERSION:
        table: Sequence[Rule] = DEFAULT_RULES
    else:
        old = session.scalar(
            select(PlacementRuleTable).where(PlacementRuleTable.version == version)
        )
        if old is None:
            raise NotFound(f"no rule table version {version}")
        table = rules_of(old)
    return publish(session, actor=actor, rows=[row_of(rule) for rule in table], note=note)


def published_by(session: Session, stored: PlacementRuleTable | None) -> str | None:
    """Who published a version, for pages and the API (None: the built-in table, the
    system, or a deleted account)."""
    if stored is None or stored.created_by is None:
        return None
    user = session.get(User, stored.created_by)
    return user.display_name if user else None
