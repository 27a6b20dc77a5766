"""Every domain's tables, imported in one place so Alembic sees the whole schema."""

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, LevelOfCare, PartnerProvider, Segment
from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.kit.orm import Base
from stepdown.programs.models import Room, Site
from stepdown.security.models import ApiToken, User, WebSession

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Client",
    "Episode",
    "Inquiry",
    "InquiryStatusChange",
    "LevelOfCare",
    "PartnerProvider",
    "Room",
    "Segment",
    "Site",
    "User",
    "WebSession",
]
