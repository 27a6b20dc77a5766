"""Setting the program's consent rules (the one ``consent_settings`` row): who signs for a
minor (42 CFR 2.14, as state law decides) and whether a guardian may use the portal.

Kept apart from ``service`` because it is the director's program-wide choice, not a
client's record; every change is audited with the values before and after, since the rule
decides whether consents signed from then on are valid.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.consents import access
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import ConsentSettings, MinorConsentRule
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

ENTITY = "consent_settings"


def set_rules(
    session: Session,
    *,
    actor: Actor,
    minor_rule: MinorConsentRule,
    guardian_portal_access: bool,
) -> ConsentSettings:
    """Save the program's rules; consents already signed keep the signatures they have.

    A guardian's own portal access only makes sense where the guardian signs with the
    minor: where a minor consents alone, a parent learns nothing without the minor's
    consent (§ 2.14(b)), so a portal account for them would show what the rule withholds.
    """
    if actor.role is not Role.SYSTEM and not access.SETTINGS.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.SETTINGS.description}")
    if guardian_portal_access and minor_rule is not MinorConsentRule.MINOR_AND_GUARDIAN:
        raise Invalid(
            "where a minor consents alone, a parent or guardian sees nothing without the "
            "minor's consent (42 CFR 2.14(b)); guardian portal access needs the "
            "minor-and-guardian rule",
            field="guardian_portal_access",
        )
    row = session.get(ConsentSettings, 1)
    if row is None:
        row = consent_settings.current(session)
        session.add(row)
    before = {
        "minor_rule": row.minor_rule.value,
        "guardian_portal_access": row.guardian_portal_access,
    }
    row.minor_rule = minor_rule
    row.guardian_portal_access = guardian_portal_access
    row.updated_at = utc_now()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=row.id,
        detail={
            "before": before,
            "after": {
                "minor_rule": minor_rule.value,
                "guardian_portal_access": guardian_portal_access,
            },
        },
    )
    return row
