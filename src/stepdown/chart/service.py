"""What the chart shows, gathered through each domain's service (every read audited there)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.assessments import access as assessments_access
from stepdown.assessments import service as assessments_service
from stepdown.chart import tabs
from stepdown.clients import access as clients_access
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum import timeline
from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare, PartnerProvider
from stepdown.diagnoses import access as diagnoses_access
from stepdown.diagnoses import service as diagnoses_service
from stepdown.kit.clock import today
from stepdown.placement import access as placement_access
from stepdown.placement import service as placement_service
from stepdown.programs import service as programs_service
from stepdown.programs.models import Site
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.policy import Policy

TABS = (
    ("overview", "Overview"),
    ("care", "Care timeline"),
    ("assessments", "Assessments"),
    ("placement", "Placement"),
)
# The policy each of the chart's own tabs reads its data under. A tab is offered only to
# roles its policy allows, so no link on the chart leads to a refusal: administrators open
# charts but see no instrument results, admissions screens clients but does not place them.
TAB_POLICIES: dict[str, Policy] = {
    "overview": clients_access.CLIENTS_READ,
    "care": clients_access.CLIENTS_READ,
    "assessments": assessments_access.READ,
    "placement": placement_access.READ,
}


@dataclass
class EpisodePanel:
    view: continuum_service.EpisodeView
    svg: Markup
    levels: dict[uuid.UUID, LevelOfCare]
    partners: dict[uuid.UUID, PartnerProvider]
    recorders: dict[uuid.UUID, str]
    # The diagnoses that stood at the episode's end (today while in care); empty for a
    # role that may not read diagnoses.
    diagnoses: list[diagnoses_service.DiagnosisView]

    @property
    def is_open(self) -> bool:
        return self.view.episode.status is not EpisodeStatus.DISCHARGED

    @property
    def current_level(self) -> LevelOfCare:
        return self.levels[self.view.segments[-1].level_id]


@dataclass
class Chart:
    client: Client
    site: Site | None
    clinician: User | None
    age: int
    episodes: list[EpisodePanel] = field(default_factory=list)
    levels: list[LevelOfCare] = field(default_factory=list)
    partners: list[PartnerProvider] = field(default_factory=list)
    # The open-alerts banner on every tab (None for roles that do not see alerts).
    alerts: alerts_service.ChartAlerts | None = None
    assessments: assessments_service.AssessmentsTab | None = None
    placement: placement_service.PlacementTab | None = None
    # The result of a registered tab's builder (see ``chart.tabs``), rendered by its template.
    section: object = None

    @property
    def open_episode(self) -> EpisodePanel | None:
        return next((p for p in self.episodes if p.is_open), None)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def tabs_for(actor: Actor) -> list[tuple[str, str]]:
    """The chart's own tabs, then those other domains registered, that this role may open."""
    own = [(key, label) for key, label in TABS if TAB_POLICIES[key].allows(actor.role)]
    return [*own, *((t.key, t.label) for t in tabs.tabs_for(actor))]


def build(session: Session, *, actor: Actor, client_id: uuid.UUID, tab: str) -> Chart:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    clinician = (
        security_repository.user_by_id(session, client.primary_clinician_id)
        if client.primary_clinician_id
        else None
    )
    chart = Chart(
        client=client,
        site=programs_service.get_site(session, client.site_id),
        clinician=clinician,
        age=_age(client.date_of_birth, today()),
    )
    chart.alerts = alerts_service.chart_banner(session, actor=actor, client=client)
    if tab == "assessments":
        chart.assessments = assessments_service.chart_tab(session, actor=actor, client=client)
    if tab == "placement":
        chart.placement = placement_service.chart_tab(session, actor=actor, client=client)
    registered = tabs.find(tab, actor)
    if registered is not None:
        chart.section = registered.build(session, actor, client)
    if tab != "care":
        return chart
    chart.levels = continuum_service.catalog(session)
    all_partners = continuum_service.partners(session)
    chart.partners = [p for p in all_partners if p.is_active]
    levels = {lv.id: lv for lv in chart.levels}
    partners = {p.id: p for p in all_partners}
    views = continuum_service.client_episodes(session, actor=actor, client=client)
    recorders = security_service.display_names(
        session, {s.recorded_by for v in views for s in v.segments if s.recorded_by}
    )
    for view in views:
        chart.episodes.append(
            EpisodePanel(
                view,
                _svg(view, levels, partners),
                levels,
                partners,
                recorders,
                _diagnoses(session, actor, view.episode),
            )
        )
    return chart


def _diagnoses(
    session: Session, actor: Actor, episode: Episode
) -> list[diagnoses_service.DiagnosisView]:
    if not diagnoses_access.READ.allows(actor.role):
        return []
    return diagnoses_service.current_diagnoses(
        session, actor=actor, episode_id=episode.id, on=episode.discharged_on
    )


def _svg(
    view: continuum_service.EpisodeView,
    levels: dict[uuid.UUID, LevelOfCare],
    partners: dict[uuid.UUID, PartnerProvider],
) -> Markup:
    until = today() + timedelta(days=1)
    bars = []
    for segment in view.segments:
        level = levels[segment.level_id]
        label = level.name
        if segment.track.value != "none":
            label += f", {segment.track.value} track"
        if segment.partner_id and segment.partner_id in partners:
            label += f" at {partners[segment.partner_id].name}"
        ends = segment.ends_on or max(until, segment.starts_on + timedelta(days=1))
        bars.append(timeline.Bar(level.code, label, segment.starts_on, ends, segment.reason))
    caption = f"Episode admitted {view.episode.admitted_on}: " + ", then ".join(
        levels[s.level_id].code for s in view.segments
    )
    return timeline.render(bars, caption=caption)
