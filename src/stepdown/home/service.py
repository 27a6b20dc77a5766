"""What each role's home page shows, gathered through the owning domains' services."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from stepdown.alerts import access as alerts_access
from stepdown.alerts import notify as alerts_notify
from stepdown.alerts import service as alerts_service
from stepdown.authorizations import access as authorizations_access
from stepdown.authorizations import service as authorizations_service
from stepdown.billing import review as billing_review
from stepdown.case_management import service as case_management_service
from stepdown.clients import care_team
from stepdown.clients import service as clients_service
from stepdown.clinical_notes import access as clinical_notes_access
from stepdown.clinical_notes import service as clinical_notes_service
from stepdown.discharge_summaries import access as discharge_summaries_access
from stepdown.discharge_summaries import service as discharge_summaries_service
from stepdown.group_notes import service as group_notes_service
from stepdown.intake import access as intake_access
from stepdown.intake import service as intake_service
from stepdown.kit.clock import today, utc_now
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import STAFF_ROLES, Role
from stepdown.transitions import service as transitions_service
from stepdown.treatment_plans import service as treatment_plans_service

CASELOAD_ROLES = frozenset(
    {Role.CLINICIAN, Role.CASE_MANAGER, Role.ADMISSIONS, Role.UTILIZATION_REVIEW}
)
# Those who act on clinical alerts; administrators have no clinical need (alerts.access).
ALERT_ROLES = frozenset({Role.CLINICIAN, Role.DIRECTOR})


def home_context(session: Session, *, actor: Actor) -> dict[str, Any]:
    sites = {site.id: site for site in programs_service.list_sites(session)}
    my_site = sites.get(actor.site_id) if actor.site_id else None
    context: dict[str, Any] = {"sites": sites, "my_site": my_site}
    if actor.role in (Role.DIRECTOR, Role.ADMIN):
        users = security_service.list_users(session, actor=actor)
        now = utc_now()
        context["clients_by_site"] = clients_service.count_by_site(session, actor=actor)
        context["staff_by_role"] = Counter(u.role for u in users if u.role in STAFF_ROLES)
        context["accounts"] = {
            "active": sum(u.is_active for u in users),
            "disabled": sum(not u.is_active for u in users),
            "locked": sum(bool(u.locked_until and u.locked_until > now) for u in users),
        }
    if actor.role in CASELOAD_ROLES:
        context["clients"] = clients_service.list_clients(session, actor=actor)
    if actor.role in care_team.ASSIGNERS | {Role.CLINICIAN}:
        context["unassigned"] = care_team.unassigned(session, actor=actor)
    if alerts_access.NOTIFICATIONS.allows(actor.role):
        context["notifications"] = alerts_notify.inbox(session, actor=actor, unread_only=True)
    if actor.role in ALERT_ROLES:
        context["alerts"] = alerts_service.open_alerts_for_home(session, actor=actor)
        context["overdue_reviews"] = treatment_plans_service.overdue_reviews(session, actor=actor)
        context["level_reviews_waiting"] = transitions_service.waiting_count(session, actor=actor)
    context.update(_documentation(session, actor))
    if authorizations_access.DESK.allows(actor.role):
        context["ur_desk"] = authorizations_service.desk(session, actor=actor)
    if actor.role is Role.BILLING:
        context["billing_home"] = billing_review.home_summary(session, actor=actor, today=today())
    return context


def _documentation(session: Session, actor: Actor) -> dict[str, Any]:
    """The paperwork each role owes: intakes and discharge summaries due, progress notes
    overdue or returned, the case-management follow-ups, and what waits for the actor's
    co-signature. A list is given only to the roles that act on it; the template shows
    what it is given."""
    context: dict[str, Any] = {}
    if intake_access.DUE.allows(actor.role):
        context["intakes_due"] = intake_service.intakes_due(session, actor=actor)
    if intake_access.COSIGN.allows(actor.role):
        context["intakes_awaiting_cosignature"] = intake_service.awaiting_cosignature(
            session, actor=actor
        )
    if clinical_notes_access.WRITE.allows(actor.role):
        context["clinical_notes_home"] = clinical_notes_service.home_lists(session, actor=actor)
    if discharge_summaries_access.DUE.allows(actor.role):
        context["summaries_due"] = discharge_summaries_service.summaries_due(session, actor=actor)
    cosign = [
        *group_notes_service.awaiting_cosignature(session, actor=actor),
        *discharge_summaries_service.awaiting_cosignature(session, actor=actor),
    ]
    if cosign:
        context["cosign_rows"] = sorted(cosign, key=lambda row: (row.day, row.start))
    worklist = case_management_service.worklist_for_home(session, actor=actor)
    if worklist is not None:
        context["case_management"] = worklist
    return context
