"""Every domain's tables, imported in one place so Alembic sees the whole schema."""

from stepdown.alerts.models import Alert
from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance.models import AttendanceRecord
from stepdown.audit.models import AuditEntry
from stepdown.calendar.models import (
    Appointment,
    CalendarFeed,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, LevelOfCare, PartnerProvider, Segment
from stepdown.drug_testing.models import RandomTestDraw, TestOrder
from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.jobs.models import JobRun
from stepdown.kit.orm import Base
from stepdown.placement.models import (
    AssessmentEvidence,
    DimensionalAssessment,
    PlacementDecision,
    PlacementRuleTable,
)
from stepdown.programs.models import (
    ClientScheduleProfile,
    GroupSession,
    KeepApart,
    Room,
    Site,
    StaffProfile,
    TimeBlock,
)
from stepdown.security.models import ApiToken, User, WebSession

__all__ = [
    "Alert",
    "ApiToken",
    "Appointment",
    "AssessmentEvidence",
    "AttendanceRecord",
    "AuditEntry",
    "Base",
    "CalendarFeed",
    "Client",
    "ClientScheduleProfile",
    "DimensionalAssessment",
    "Episode",
    "GroupSession",
    "Inquiry",
    "InquiryStatusChange",
    "InstrumentResponse",
    "JobRun",
    "KeepApart",
    "LevelOfCare",
    "PartnerProvider",
    "PlacementDecision",
    "PlacementRuleTable",
    "RandomTestDraw",
    "Room",
    "ScheduleBuild",
    "Segment",
    "SessionOccurrence",
    "SessionSeat",
    "Site",
    "StaffProfile",
    "TestOrder",
    "TimeBlock",
    "User",
    "WebSession",
]
