"""The program's consent rules (one row), with the stricter answer while none is set."""

from __future__ import annotations

from sqlalchemy.orm import Session

from stepdown.consents.models import ConsentSettings, MinorConsentRule
from stepdown.kit.clock import utc_now


def current(session: Session) -> ConsentSettings:
    """Until the director chooses, a minor signs with a guardian: asking for one signature
    too many delays a release, one too few makes it unlawful."""
    found = session.get(ConsentSettings, 1)
    if found is not None:
        return found
    return ConsentSettings(
        id=1,
        minor_rule=MinorConsentRule.MINOR_AND_GUARDIAN,
        guardian_portal_access=False,
        updated_at=utc_now(),
    )
