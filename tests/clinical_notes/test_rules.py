"""The pure rules of progress notes: times, who was there, what a note may document, the
sections of each format, the risk review, objectives, statuses, deadlines, the settings'
bounds and other clients' names."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import ABSENT, ATTENDED
from stepdown.calendar.models import AppointmentKind
from stepdown.clinical_notes import rules
from stepdown.clinical_notes.models import (
    AttendeeRole,
    NoteFormat,
    NoteStatus,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.group_notes.rules import MemberName
from stepdown.kit.errors import Conflict, Invalid

START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
MOTHER = rules.Attendee(AttendeeRole.FAMILY, "mother", "Pat Sample")
SPONSOR = rules.Attendee(AttendeeRole.SUPPORT, "sponsor", "Lee Ward")
INTERPRETER = rules.Attendee(AttendeeRole.PROFESSIONAL, "interpreter", "Sam Ruiz")
DENIED = rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.DENIED, RiskAction.NONE, "")


class TestTimes:
    @given(minutes=st.integers(min_value=1, max_value=rules.MAX_MINUTES))
    def test_a_session_up_to_the_ceiling_gives_its_duration(self, minutes: int) -> None:
        ends = START + timedelta(minutes=minutes)
        assert rules.check_times(START, ends, now=NOW) == minutes

    @given(minutes=st.integers(min_value=rules.MAX_MINUTES + 1, max_value=24 * 60))
    def test_a_longer_span_is_a_typing_slip(self, minutes: int) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_times(START, START + timedelta(minutes=minutes), now=NOW)
        assert refused.value.field == "end_time"
        assert str(minutes) in refused.value.message

    @given(minutes=st.integers(min_value=0, max_value=24 * 60))
    def test_the_end_comes_after_the_start(self, minutes: int) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_times(START, START - timedelta(minutes=minutes), now=NOW)
        assert refused.value.field == "end_time"
        assert "end after it starts" in refused.value.message

    def test_a_service_that_has_not_begun_is_not_documented(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_times(NOW + timedelta(minutes=1), NOW + timedelta(minutes=51), now=NOW)
        assert refused.value.field == "start_time"
        # Under way is fine: the note may be started, and signed once it ends.
        assert rules.check_times(NOW - timedelta(minutes=10), NOW + timedelta(minutes=40), now=NOW)

    def test_signing_waits_for_the_end(self) -> None:
        with pytest.raises(Conflict) as refused:
            rules.require_ended(NOW + timedelta(minutes=1), now=NOW)
        assert refused.value.rule == rules.NOT_YET_ENDED
        rules.require_ended(NOW, now=NOW)

    @pytest.mark.parametrize(
        ("typed", "expected"), [("9:05", time(9, 5)), (" 14:30 ", time(14, 30)), ("0:00", time(0))]
    )
    def test_a_clock_time(self, typed: str, expected: time) -> None:
        assert rules.parse_clock(typed, field="start_time") == expected

    @pytest.mark.parametrize("typed", ["", "14", "14:3", "24:00", "12:60", "ab:cd", "-1:30"])
    def test_a_clock_time_refused(self, typed: str) -> None:
        with pytest.raises(Invalid) as refused:
            rules.parse_clock(typed, field="end_time")
        assert refused.value.field == "end_time"


class TestAttendees:
    @pytest.mark.parametrize(
        "service_type",
        sorted(rules.CLIENT_MUST_ATTEND - rules.FAMILY_TYPES),
    )
    def test_the_clients_own_services_need_the_client(self, service_type: ServiceType) -> None:
        rules.check_attendees(service_type, True, ())
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(service_type, False, (INTERPRETER,))
        assert refused.value.field == "client_present"

    def test_family_therapy_with_the_client_needs_family_or_support(self) -> None:
        rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, True, (MOTHER,))
        rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, True, (SPONSOR,))
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, True, (INTERPRETER,))
        assert refused.value.field == "attendees"
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, False, (MOTHER,))
        assert refused.value.field == "client_present"

    def test_family_therapy_without_the_client_has_no_client(self) -> None:
        rules.check_attendees(ServiceType.FAMILY_WITHOUT_CLIENT, False, (MOTHER,))
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(ServiceType.FAMILY_WITHOUT_CLIENT, True, (MOTHER,))
        assert refused.value.field == "client_present"
        with pytest.raises(Invalid):
            rules.check_attendees(ServiceType.FAMILY_WITHOUT_CLIENT, False, ())

    def test_a_case_management_contact_names_who_took_part(self) -> None:
        rules.check_attendees(ServiceType.CASE_MANAGEMENT, True, ())
        rules.check_attendees(ServiceType.CASE_MANAGEMENT, False, (INTERPRETER,))
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(ServiceType.CASE_MANAGEMENT, False, ())
        assert refused.value.field == "attendees"

    @pytest.mark.parametrize(
        ("person", "field"),
        [
            (rules.Attendee(AttendeeRole.FAMILY, "mother", "  "), "attendee-name-1"),
            (rules.Attendee(AttendeeRole.FAMILY, " ", "Pat Sample"), "attendee-relationship-1"),
            (rules.Attendee(AttendeeRole.FAMILY, "mother", "x" * 121), "attendee-name-1"),
            (
                rules.Attendee(AttendeeRole.FAMILY, "m" * 61, "Pat Sample"),
                "attendee-relationship-1",
            ),
        ],
    )
    def test_each_person_is_named_and_placed(self, person: rules.Attendee, field: str) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, True, (MOTHER, person))
        assert refused.value.field == field

    def test_at_most_eight_others(self) -> None:
        rules.check_attendees(ServiceType.FAMILY_WITH_CLIENT, True, (MOTHER,) * rules.MAX_ATTENDEES)
        with pytest.raises(Invalid) as refused:
            rules.check_attendees(
                ServiceType.FAMILY_WITH_CLIENT, True, (MOTHER,) * (rules.MAX_ATTENDEES + 1)
            )
        assert refused.value.field == "attendees"

    def test_an_attendee_round_trips_as_json(self) -> None:
        assert rules.Attendee.from_json(MOTHER.as_json()) == MOTHER


class TestLinkage:
    @pytest.mark.parametrize("status", sorted(ATTENDED))
    def test_a_note_documents_the_attended_appointment(self, status: AttendanceStatus) -> None:
        rules.check_linkage(
            ServiceType.INDIVIDUAL_THERAPY, kind=AppointmentKind.INDIVIDUAL, attendance=status
        )
        rules.check_linkage(
            ServiceType.FAMILY_WITH_CLIENT, kind=AppointmentKind.FAMILY, attendance=status
        )

    @pytest.mark.parametrize("status", sorted(ABSENT))
    def test_a_missed_appointment_has_no_session(self, status: AttendanceStatus) -> None:
        for service_type, kind in (
            (ServiceType.INDIVIDUAL_THERAPY, AppointmentKind.INDIVIDUAL),
            (ServiceType.FAMILY_WITH_CLIENT, AppointmentKind.FAMILY),
        ):
            with pytest.raises(Conflict) as refused:
                rules.check_linkage(service_type, kind=kind, attendance=status)
            assert (refused.value.rule, refused.value.field) == (
                rules.NOT_ATTENDED,
                "appointment_id",
            )

    def test_the_family_may_come_when_the_client_missed(self) -> None:
        for status in ABSENT:
            rules.check_linkage(
                ServiceType.FAMILY_WITHOUT_CLIENT, kind=AppointmentKind.FAMILY, attendance=status
            )
        with pytest.raises(Conflict) as refused:
            rules.check_linkage(
                ServiceType.FAMILY_WITHOUT_CLIENT,
                kind=AppointmentKind.FAMILY,
                attendance=AttendanceStatus.PRESENT,
            )
        assert (refused.value.rule, refused.value.field) == (rules.NOT_ATTENDED, "service_type")

    def test_a_cancelled_appointment_is_refused(self) -> None:
        with pytest.raises(Conflict) as refused:
            rules.check_linkage(
                ServiceType.INDIVIDUAL_THERAPY,
                kind=AppointmentKind.INDIVIDUAL,
                cancelled=True,
                attendance=AttendanceStatus.PRESENT,
            )
        assert refused.value.rule == rules.CANCELLED

    def test_attendance_comes_first(self) -> None:
        with pytest.raises(Conflict) as refused:
            rules.check_linkage(
                ServiceType.INDIVIDUAL_THERAPY, kind=AppointmentKind.INDIVIDUAL, attendance=None
            )
        assert refused.value.rule == rules.ATTENDANCE_NOT_TAKEN

    @pytest.mark.parametrize(
        ("service_type", "kind"),
        [
            (ServiceType.FAMILY_WITH_CLIENT, AppointmentKind.INDIVIDUAL),
            (ServiceType.MEDICATION_MANAGEMENT, AppointmentKind.INDIVIDUAL),
            (ServiceType.INDIVIDUAL_THERAPY, AppointmentKind.FAMILY),
            (ServiceType.CASE_MANAGEMENT, AppointmentKind.FAMILY),
        ],
    )
    def test_the_type_matches_the_appointment(
        self, service_type: ServiceType, kind: AppointmentKind
    ) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_linkage(service_type, kind=kind, attendance=AttendanceStatus.PRESENT)
        assert refused.value.field == "service_type"

    def test_therapy_needs_its_appointment(self) -> None:
        for service_type in rules.NEEDS_APPOINTMENT_TYPES:
            with pytest.raises(Conflict) as refused:
                rules.check_linkage(service_type, kind=None)
            assert refused.value.rule == rules.NEEDS_APPOINTMENT
        for service_type in set(ServiceType) - rules.NEEDS_APPOINTMENT_TYPES:
            rules.check_linkage(service_type, kind=None)


def _sections(note_format: NoteFormat) -> dict[str, str]:
    return {key: f"Some {key}." for key in rules.section_keys(note_format)}


class TestSections:
    @pytest.mark.parametrize(
        ("note_format", "keys"),
        [
            (NoteFormat.DAP, ("data", "assessment", "plan")),
            (NoteFormat.BIRP, ("behavior", "intervention", "response", "plan")),
            (NoteFormat.SOAP, ("subjective", "objective", "assessment", "plan")),
        ],
    )
    def test_each_format_has_its_sections(
        self, note_format: NoteFormat, keys: tuple[str, ...]
    ) -> None:
        assert rules.section_keys(note_format) == keys
        typed = {key: f"  {key} text \n" for key in keys[:-1]}
        assert rules.check_sections(note_format, typed) == {
            **{key: f"{key} text" for key in keys[:-1]},
            keys[-1]: "",
        }
        assert rules.narrative_parts(note_format, typed)[-1] == ""

    @pytest.mark.parametrize(
        ("note_format", "foreign"),
        [
            (NoteFormat.DAP, "subjective"),
            (NoteFormat.BIRP, "data"),
            (NoteFormat.SOAP, "behavior"),
        ],
    )
    def test_another_formats_section_is_refused(
        self, note_format: NoteFormat, foreign: str
    ) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_sections(note_format, {**_sections(note_format), foreign: "x"})
        assert refused.value.field == f"section-{foreign}"

    def test_a_section_is_bounded(self) -> None:
        long = "x" * (rules.LIMITS["section"] + 1)
        with pytest.raises(Invalid) as refused:
            rules.check_sections(NoteFormat.SOAP, {"objective": long})
        assert refused.value.field == "section-objective"

    @pytest.mark.parametrize("note_format", list(NoteFormat))
    def test_signing_needs_every_section(self, note_format: NoteFormat) -> None:
        complete = _sections(note_format)
        rules.require_complete(
            note_format=note_format,
            sections=complete,
            service_type=ServiceType.INDIVIDUAL_THERAPY,
            risk=DENIED,
            objectives=[uuid.uuid4()],
            plan_has_objectives=True,
        )
        for key in complete:
            with pytest.raises(Conflict) as refused:
                rules.require_complete(
                    note_format=note_format,
                    sections={**complete, key: "   "},
                    service_type=ServiceType.INDIVIDUAL_THERAPY,
                    risk=DENIED,
                    objectives=[uuid.uuid4()],
                    plan_has_objectives=True,
                )
            assert (refused.value.field, refused.value.rule) == (f"section-{key}", rules.INCOMPLETE)

    def test_signing_needs_an_objective_where_there_is_a_plan(self) -> None:
        def sign(service_type: ServiceType, *, plan: bool) -> None:
            rules.require_complete(
                note_format=NoteFormat.DAP,
                sections=_sections(NoteFormat.DAP),
                service_type=service_type,
                risk=DENIED,
                objectives=[],
                plan_has_objectives=plan,
            )

        with pytest.raises(Conflict) as refused:
            sign(ServiceType.INDIVIDUAL_THERAPY, plan=True)
        assert refused.value.field == "objective_ids"
        sign(ServiceType.INDIVIDUAL_THERAPY, plan=False)  # no plan in effect yet
        sign(ServiceType.PSYCHIATRIC_EVALUATION, plan=True)  # may come before a plan


class TestRisk:
    @pytest.mark.parametrize("service_type", sorted(rules.RISK_REQUIRED))
    @pytest.mark.parametrize("field", ["suicidal_ideation", "homicidal_ideation"])
    def test_asked_at_every_contact_with_the_client(
        self, service_type: ServiceType, field: str
    ) -> None:
        unasked = rules.RiskReview(
            RiskAnswer.NOT_ASKED if field == "suicidal_ideation" else RiskAnswer.DENIED,
            RiskAnswer.NOT_ASKED if field == "homicidal_ideation" else RiskAnswer.DENIED,
        )
        with pytest.raises(Conflict) as refused:
            rules.require_risk(unasked, service_type)
        assert (refused.value.field, refused.value.rule) == (field, rules.INCOMPLETE)
        rules.require_risk(DENIED, service_type)

    @pytest.mark.parametrize(
        "service_type", [ServiceType.CASE_MANAGEMENT, ServiceType.FAMILY_WITHOUT_CLIENT]
    )
    def test_may_be_left_unasked_without_the_client(self, service_type: ServiceType) -> None:
        rules.require_risk(rules.RiskReview(), service_type)
        assert rules.risk_summary(rules.RiskReview()) == "Risk not fully assessed (unknown)"

    @pytest.mark.parametrize("service_type", list(ServiceType))
    def test_an_endorsement_needs_an_action_and_what_was_done(
        self, service_type: ServiceType
    ) -> None:
        endorsed = rules.RiskReview(RiskAnswer.ENDORSED, RiskAnswer.DENIED, RiskAction.NONE, "")
        with pytest.raises(Conflict) as refused:
            rules.require_risk(endorsed, service_type)
        assert refused.value.field == "risk_action"
        acted = rules.RiskReview(
            RiskAnswer.DENIED, RiskAnswer.ENDORSED, RiskAction.SUPERVISOR_CONSULTED, "  "
        )
        with pytest.raises(Conflict) as refused:
            rules.require_risk(acted, service_type)
        assert refused.value.field == "risk_detail"
        described = rules.RiskReview(
            RiskAnswer.DENIED,
            RiskAnswer.ENDORSED,
            RiskAction.SUPERVISOR_CONSULTED,
            "Passing thoughts about a coworker, no plan; supervisor consulted.",
        )
        rules.require_risk(described, service_type)
        assert rules.risk_summary(described) == (
            "Endorsed homicidal ideation; action: supervisor consulted"
        )

    def test_the_summary_says_no_ideation_only_when_both_were_asked(self) -> None:
        assert rules.risk_summary(DENIED) == "Asked; suicidal and homicidal ideation denied"
        half = rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.NOT_ASKED)
        assert "unknown" in rules.risk_summary(half)

    def test_the_detail_is_bounded(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_risk(rules.RiskReview(detail="x" * (rules.LIMITS["risk_detail"] + 1)))
        assert refused.value.field == "risk_detail"


class TestObjectives:
    def test_objectives_of_the_plan_in_effect_each_once(self) -> None:
        a, b, foreign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        rules.check_objectives([a, b], {a, b})
        rules.check_objectives([], {a})
        for chosen in ([a, a], [a, foreign]):
            with pytest.raises(Invalid) as refused:
                rules.check_objectives(chosen, {a, b})
            assert refused.value.field == "objective_ids"

    def test_at_most_twenty(self) -> None:
        many = [uuid.uuid4() for _ in range(rules.MAX_OBJECTIVES + 1)]
        rules.check_objectives(many[:-1], set(many))
        with pytest.raises(Invalid):
            rules.check_objectives(many, set(many))


class TestStatus:
    def test_signing_is_final_or_waits_for_the_supervisor(self) -> None:
        assert rules.status_after_signing(None) is NoteStatus.SIGNED
        assert rules.status_after_signing(uuid.uuid4()) is NoteStatus.AWAITING_COSIGNATURE

    def test_the_authors_addendum_answers_a_return(self) -> None:
        returned = NoteStatus.RETURNED
        assert (
            rules.status_after_addendum(returned, by_author=True) is NoteStatus.AWAITING_COSIGNATURE
        )
        assert rules.status_after_addendum(returned, by_author=False) is NoteStatus.RETURNED
        for status in (NoteStatus.SIGNED, NoteStatus.AWAITING_COSIGNATURE):
            for by_author in (True, False):
                assert rules.status_after_addendum(status, by_author=by_author) is status

    def test_only_a_draft_changes(self) -> None:
        rules.require_draft(NoteStatus.DRAFT)
        for status in rules.FILED:
            with pytest.raises(Conflict) as refused:
                rules.require_draft(status)
            assert refused.value.rule == rules.SIGNED

    def test_an_addendum_goes_on_a_filed_note(self) -> None:
        for status in rules.FILED:
            rules.require_filed(status)
        with pytest.raises(Conflict) as refused:
            rules.require_filed(NoteStatus.DRAFT)
        assert refused.value.rule == rules.NOT_SIGNED

    def test_only_a_waiting_note_is_cosigned(self) -> None:
        rules.require_awaiting(NoteStatus.AWAITING_COSIGNATURE)
        for status in (NoteStatus.DRAFT, NoteStatus.SIGNED, NoteStatus.RETURNED):
            with pytest.raises(Conflict) as refused:
                rules.require_awaiting(status)
            assert refused.value.rule == rules.NOT_AWAITING
        with pytest.raises(Conflict, match="addendum comes first"):
            rules.require_awaiting(NoteStatus.RETURNED)


class TestDeadlines:
    @given(hours=st.integers(min_value=1, max_value=720))
    def test_due_the_programs_hours_after_the_end(self, hours: int) -> None:
        due = rules.due_at(START, hours)
        assert due - START == timedelta(hours=hours)
        assert not rules.is_late(START, due, hours)  # on the hour is in time
        assert rules.is_late(START, due + timedelta(seconds=1), hours)
        assert not rules.is_late(START, START + timedelta(minutes=5), hours)

    @given(
        hours=st.integers(min_value=1, max_value=720),
        seconds=st.integers(min_value=-(10**7), max_value=10**7),
    )
    def test_hours_overdue_are_whole_hours_past_due(self, hours: int, seconds: int) -> None:
        now = rules.due_at(START, hours) + timedelta(seconds=seconds)
        overdue = rules.hours_overdue(START, hours, now)
        assert overdue == max(0, seconds // 3600)
        assert overdue >= 0
        assert (overdue > 0) == (seconds >= 3600)
        assert rules.hours_overdue(START, hours, now + timedelta(hours=1)) >= overdue

    @given(
        hours=st.integers(min_value=1, max_value=719),
        signed_after=st.integers(min_value=0, max_value=800 * 3600),
    )
    def test_more_hours_are_never_stricter(self, hours: int, signed_after: int) -> None:
        signed = START + timedelta(seconds=signed_after)
        if rules.is_late(START, signed, hours + 1):
            assert rules.is_late(START, signed, hours)


class TestSettings:
    @given(
        hours=st.integers(min_value=1, max_value=720),
        threshold=st.floats(min_value=0.5, max_value=1.0),
        types=st.lists(st.sampled_from(list(ServiceType)), unique=True),
    )
    def test_within_bounds(self, hours: int, threshold: float, types: list[ServiceType]) -> None:
        rules.check_settings(hours, threshold, [t.value for t in types])

    @given(hours=st.one_of(st.integers(max_value=0), st.integers(min_value=721)))
    def test_hours_out_of_bounds(self, hours: int) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_settings(hours, 0.9, [])
        assert refused.value.field == "overdue_hours"

    @given(
        threshold=st.one_of(
            st.floats(max_value=0.5, exclude_max=True),
            st.floats(min_value=1.0, exclude_min=True),
            st.just(math.nan),
        )
    )
    def test_threshold_out_of_bounds(self, threshold: float) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_settings(72, threshold, [])
        assert refused.value.field == "similarity_threshold"

    @pytest.mark.parametrize("types", [["individual_therapy", "individual_therapy"], ["groups"]])
    def test_portal_types_from_the_list_each_once(self, types: list[str]) -> None:
        with pytest.raises(Invalid) as refused:
            rules.check_settings(72, 0.9, types)
        assert refused.value.field == "portal_note_types"


OWN = MemberName(uuid.uuid4(), "Avery", "Tillman")
OTHER = MemberName(uuid.uuid4(), "Brennan", "Okafor", "Bren")


class TestNames:
    def test_another_clients_name_is_refused(self) -> None:
        others = rules.others_to_check(OWN, [OWN, OTHER], ())
        assert {m.first for m in others} == {"brennan", "okafor", "bren"}
        for text in ("Talked with BREN after group.", "Okafor's ride fell through.", "brennan"):
            with pytest.raises(Conflict) as refused:
                rules.check_names({"section-data": "Fine.", "section-plan": text}, others)
            assert (refused.value.field, refused.value.rule) == ("section-plan", rules.NAMES_CLIENT)
            assert "Bren" not in refused.value.message  # positions, never the name

    def test_the_clients_own_name_is_fine(self) -> None:
        others = rules.others_to_check(OWN, [OWN, OTHER], ())
        rules.check_names({"section-data": "Avery Tillman reported a good week."}, others)
        rules.check_names({"section-data": "Brenda and Okafors are not names here."}, others)

    def test_a_name_shared_with_the_client_or_someone_present_is_allowed(self) -> None:
        namesake = MemberName(uuid.uuid4(), "Avery", "Sample")
        others = rules.others_to_check(OWN, [namesake], (MOTHER,))
        assert others == []
        cousin = MemberName(uuid.uuid4(), "Avery", "Lindqvist")
        others = rules.others_to_check(OWN, [cousin], ())
        rules.check_names({"section-data": "Avery did well."}, others)
        with pytest.raises(Conflict):
            rules.check_names({"section-data": "Avery Lindqvist came too."}, others)

    def test_the_message_gives_the_position(self) -> None:
        others = rules.others_to_check(OWN, [OTHER], ())
        with pytest.raises(Conflict) as refused:
            rules.check_names({"risk_detail": "Said Bren was worried."}, others)
        assert "characters 6–9" in refused.value.message
        assert refused.value.field == "risk_detail"

    def test_full_name_key(self) -> None:
        assert rules.full_name_key("  Pat  van Sample ") == ("pat", "sample")
        assert rules.full_name_key("Pat") is None
