"""Every domain's tables, imported in one place so Alembic sees the whole schema."""

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.kit.orm import Base
from stepdown.programs.models import Room, Site
from stepdown.security.models import ApiToken, User, WebSession

__all__ = ["ApiToken", "AuditEntry", "Base", "Client", "Room", "Site", "User", "WebSession"]
