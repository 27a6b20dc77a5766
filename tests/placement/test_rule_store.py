"""Published rule tables: versions, refusals that name the row, and what signed assessments keep."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.placement import rule_store, service
from stepdown.placement.models import PlacementRuleTable
from stepdown.placement.rule_table import DEFAULT_RULES, FactValue, Rule
from stepdown.placement.rules import recommend
from stepdown.placement.schemas import RuleRow
from stepdown.placement.vignettes import SANITY_VIGNETTES
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import SYSTEM, make_client, make_site, make_user
from tests.placement.test_service import signed

SENTENCE = "Dimension 3 rated {value}: reviewed by the director → at least IOP"


def default_rows() -> list[RuleRow]:
    return [rule_store.row_of(rule) for rule in DEFAULT_RULES]


def edited(rule_id: str, **changes: object) -> list[RuleRow]:
    return [row.model_copy(update=changes) if row.id == rule_id else row for row in default_rows()]


def stored_versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PlacementRuleTable)) or 0


def test_the_built_in_table_is_version_zero_until_one_is_published(session: Session) -> None:
    table = rule_store.active(session)
    assert (table.version, table.rules, table.stored) == (0, DEFAULT_RULES, None)
    assert rule_store.history(session) == []


def test_every_sanity_vignette_runs_on_the_built_in_table() -> None:
    assert 6 <= len(SANITY_VIGNETTES) <= 10
    levels = {recommend(facts).level for facts in SANITY_VIGNETTES.values()}
    assert len(levels) >= 4  # they reach different parts of the table


def test_publish_adds_versions_and_revert_publishes_a_copy(session: Session) -> None:
    director = actor_for(make_user(session, role=Role.DIRECTOR))
    first = rule_store.publish(
        session,
        actor=director,
        rows=edited("FLOOR-D3-IOP", sentence=SENTENCE),
        note="clearer wording for D3",
    )
    second = rule_store.publish(
        session,
        actor=director,
        rows=[row for row in default_rows() if row.id != "SVC-HOUSING"],
        note="housing handled by case management intake",
    )
    assert (first.version, second.version) == (1, 2)
    assert first.created_by == director.user_id
    assert rule_store.active(session).version == 2
    assert "SVC-HOUSING" not in {r.id for r in rule_store.active_rules(session)}
    back = rule_store.revert(session, actor=director, version=1, note="housing row back")
    assert back.version == 3
    assert back.rows == first.rows
    assert [v.version for v in rule_store.history(session)] == [3, 2, 1]
    active = rule_store.active(session)
    assert next(r for r in active.rules if r.id == "FLOOR-D3-IOP").sentence == SENTENCE
    to_defaults = rule_store.revert(session, actor=director, version=0, note="start over")
    assert rule_store.rules_of(to_defaults) == DEFAULT_RULES
    audited = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "placement_rule_table")
    ).all()
    assert [e.detail["version"] for e in audited] == [1, 2, 3, 4]
    with pytest.raises(NotFound):
        rule_store.revert(session, actor=director, version=99, note="no such")


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        (edited("FLOOR-D5-PHP", when=["d5 >> 3"]), "rule FLOOR-D5-PHP:"),
        (edited("FLOOR-D5-PHP", drives="DETOX"), "rule FLOOR-D5-PHP: cannot drive"),
        (edited("REF-D1-DETOX", then=None), "rule REF-D1-DETOX: a referral"),
        (edited("SVC-ADOLESCENT", sentence="Age {age}"), "rule SVC-ADOLESCENT: sentence"),
        (edited("SVC-ADOLESCENT", sentence="Age {value.years}"), "rule SVC-ADOLESCENT"),
        (edited("SVC-ADOLESCENT", action="escalate"), "rule SVC-ADOLESCENT: action"),
        (edited("TRACK-DAY", then="NOWHERE"), "rule TRACK-DAY: then"),
        (edited("FLOOR-OP", id="FLOOR-D6-IOP"), "rule FLOOR-D6-IOP: duplicate id"),
        (
            [row for row in default_rows() if row.id != "OTHERWISE-AFTERCARE"],
            "unconditional OTHERWISE",
        ),
    ],
)
def test_a_broken_table_is_refused_naming_the_row_and_nothing_is_stored(
    session: Session, rows: list[RuleRow], named: str
) -> None:
    with pytest.raises(Invalid) as excinfo:
        rule_store.publish(session, actor=SYSTEM, rows=rows, note="broken")
    assert excinfo.value.field == "rules"
    assert named in excinfo.value.message
    assert stored_versions(session) == 0
    assert rule_store.active(session).version == 0


def test_a_failure_on_a_vignette_is_refused_naming_the_row(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failures the static checks do not foresee (a future fact or operator) still stop the
    table at publish time, naming the row that fails when one does."""
    fires = Rule.fires

    def fragile(rule: Rule, facts: Mapping[str, FactValue]) -> bool:
        if rule.id == "FLOOR-OP" and facts["recent_level"] == "op":
            raise TypeError("cannot compare")
        return fires(rule, facts)

    monkeypatch.setattr(Rule, "fires", fragile)
    with pytest.raises(Invalid) as excinfo:
        rule_store.publish(session, actor=SYSTEM, rows=default_rows(), note="fragile")
    message = excinfo.value.message
    assert message.startswith("rule FLOOR-OP: fails for the vignette 'finished OP")
    assert "cannot compare" in message
    assert stored_versions(session) == 0


def test_publishing_needs_a_note_and_the_director(session: Session) -> None:
    with pytest.raises(Invalid) as excinfo:
        rule_store.publish(session, actor=SYSTEM, rows=default_rows(), note="  ")
    assert excinfo.value.field == "note"
    clinician = actor_for(make_user(session, role=Role.CLINICIAN))
    with pytest.raises(Forbidden):
        rule_store.publish(session, actor=clinician, rows=default_rows(), note="mine")
    assert stored_versions(session) == 0


def test_a_new_table_changes_new_recommendations_and_signed_ones_keep_theirs(
    session: Session,
) -> None:
    person = make_client(session, site=make_site(session))
    before = signed(session, person.id)  # moderate: IOP on FLOOR-D3-IOP and FLOOR-D5-IOP
    assert before.recommendation is not None
    assert before.recommendation["level"] == "IOP"
    assert before.recommendation["rule_table_version"] == 0
    frozen = dict(before.recommendation)
    rows = edited("FLOOR-D5-IOP", drives="PHP", sentence="Dimension 5 rated {value} → PHP")
    rule_store.publish(session, actor=SYSTEM, rows=rows, note="cravings need daily structure")
    after = signed(session, person.id)
    assert after.recommendation is not None
    assert after.recommendation["level"] == "PHP"
    assert after.recommendation["rule_table_version"] == 1
    assert "Dimension 5 rated 2 → PHP" in [r["sentence"] for r in after.recommendation["reasons"]]
    session.expire_all()
    kept = service.get_assessment(session, actor=SYSTEM, assessment_id=before.id)
    assert kept.recommendation == frozen
    assert service.recommendation_for(session, actor=SYSTEM, assessment=kept) == frozen
