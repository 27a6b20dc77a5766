"""Every domain's tables, imported in one place so Alembic sees the whole schema."""

from stepdown.aftercare.models import (
    AftercarePlan,
    CrisisContact,
    FollowUp,
    MutualHelpMeeting,
    RelapsePreventionCheckIn,
)
from stepdown.alerts.models import Alert
from stepdown.alumni.models import (
    AlumniEvent,
    AlumniVolunteer,
    MenteeInterests,
    Mentorship,
    Rsvp,
)
from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance.models import AttendanceRecord
from stepdown.audit.models import AuditEntry
from stepdown.authorizations.models import Authorization, AuthorizationEvent
from stepdown.billing.models import (
    BillingProfile,
    ChargeLine,
    Claim,
    ClaimBatch,
    ClaimLine,
    ClaimPayment,
    LinePayment,
    PayerBilling,
    PayerContract,
    Remittance,
)
from stepdown.calendar.models import (
    Appointment,
    CalendarFeed,
    CalendarNotice,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedStatusChange,
    Referral,
    ReferralEvent,
)
from stepdown.checkins.models import CheckIn
from stepdown.clients.models import CareTeamMember, Client
from stepdown.clinical_notes.models import (
    ClinicalNote,
    ClinicalNoteAddendum,
    ClinicalNoteObjective,
    ClinicalNoteReturn,
    DocumentationSettings,
)
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentRecipient,
    ConsentSettings,
    NoticeAcknowledgement,
)
from stepdown.continuum.models import Episode, LevelOfCare, PartnerProvider, Segment
from stepdown.coverage.models import Coverage, EligibilityCheck, Payer, PayerPlan
from stepdown.diagnoses.models import Diagnosis, PrincipalPeriod
from stepdown.discharge_summaries.models import DischargeSummary, DischargeSummaryAddendum
from stepdown.disclosures.models import Disclosure, DisclosureRecipient
from stepdown.documents.models import Document
from stepdown.drug_testing.models import (
    AnalyteResult,
    RandomTestDraw,
    StandingTestSchedule,
    TestCollection,
    TestOrder,
)
from stepdown.fhir.models import FhirAccessToken, FhirClient
from stepdown.group_notes.models import GroupNote, GroupNoteMember
from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.intake.models import Intake, IntakeAddendum, IntakeSubstance
from stepdown.jobs.models import JobRun
from stepdown.kit.orm import Base
from stepdown.medications.models import Medication
from stepdown.placement.models import (
    AssessmentExclusion,
    DimensionalAssessment,
    PlacementDecision,
    PlacementRuleTable,
)
from stepdown.portal.models import PortalInvitation
from stepdown.programs.models import (
    ClientScheduleProfile,
    GroupSession,
    KeepApart,
    Program,
    ProgramLogo,
    Room,
    Site,
    StaffProfile,
    TimeBlock,
)
from stepdown.safety.models import SafetyAssessment, SafetyPlan
from stepdown.security.models import (
    ApiToken,
    Signature,
    SigningPin,
    Supervision,
    User,
    WebSession,
)
from stepdown.transitions.models import LevelReview
from stepdown.treatment_plans.models import (
    Goal,
    Intervention,
    Objective,
    ObjectiveStatusChange,
    PlanReview,
    Problem,
    ProgressNote,
    TreatmentPlan,
)

__all__ = [
    "AftercarePlan",
    "Alert",
    "AlumniEvent",
    "AlumniVolunteer",
    "AnalyteResult",
    "ApiToken",
    "Appointment",
    "AssessmentExclusion",
    "AttendanceRecord",
    "AuditEntry",
    "Authorization",
    "AuthorizationEvent",
    "Base",
    "BillingProfile",
    "CalendarFeed",
    "CalendarNotice",
    "CareTeamMember",
    "ChargeLine",
    "CheckIn",
    "Claim",
    "ClaimBatch",
    "ClaimLine",
    "ClaimPayment",
    "Client",
    "ClientContact",
    "ClientScheduleProfile",
    "ClinicalNote",
    "ClinicalNoteAddendum",
    "ClinicalNoteObjective",
    "ClinicalNoteReturn",
    "CommunityResource",
    "Consent",
    "ConsentRecipient",
    "ConsentSettings",
    "Coverage",
    "CrisisContact",
    "Diagnosis",
    "DimensionalAssessment",
    "DischargeSummary",
    "DischargeSummaryAddendum",
    "Disclosure",
    "DisclosureRecipient",
    "Document",
    "DocumentationSettings",
    "EligibilityCheck",
    "Episode",
    "FhirAccessToken",
    "FhirClient",
    "FollowUp",
    "Goal",
    "GroupNote",
    "GroupNoteMember",
    "GroupSession",
    "Inquiry",
    "InquiryStatusChange",
    "InstrumentResponse",
    "Intake",
    "IntakeAddendum",
    "IntakeSubstance",
    "Intervention",
    "JobRun",
    "KeepApart",
    "LevelOfCare",
    "LevelReview",
    "LinePayment",
    "Medication",
    "MenteeInterests",
    "Mentorship",
    "MutualHelpMeeting",
    "Need",
    "NeedStatusChange",
    "NoticeAcknowledgement",
    "Objective",
    "ObjectiveStatusChange",
    "PartnerProvider",
    "Payer",
    "PayerBilling",
    "PayerContract",
    "PayerPlan",
    "PlacementDecision",
    "PlacementRuleTable",
    "PlanReview",
    "PortalInvitation",
    "PrincipalPeriod",
    "Problem",
    "Program",
    "ProgramLogo",
    "ProgressNote",
    "RandomTestDraw",
    "Referral",
    "ReferralEvent",
    "RelapsePreventionCheckIn",
    "Remittance",
    "Room",
    "Rsvp",
    "SafetyAssessment",
    "SafetyPlan",
    "ScheduleBuild",
    "Segment",
    "SessionOccurrence",
    "SessionSeat",
    "Signature",
    "SigningPin",
    "Site",
    "StaffProfile",
    "StandingTestSchedule",
    "Supervision",
    "TestCollection",
    "TestOrder",
    "TimeBlock",
    "TreatmentPlan",
    "User",
    "WebSession",
]
