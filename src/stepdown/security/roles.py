"""The roles of a treatment program's staff and clients."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DIRECTOR = "director"
    CLINICIAN = "clinician"
    CASE_MANAGER = "case_manager"
    ADMISSIONS = "admissions"
    UTILIZATION_REVIEW = "utilization_review"
    # Billing staff: charges, claims and remittances, and only the client facts a claim
    # carries (name, birth date, address, coverage, diagnosis codes): nothing clinical.
    BILLING = "billing"
    CLIENT = "client"
    # A minor's parent or guardian with their own portal access, where the program's rule
    # for minors allows it (consents.guardians): sees only what the minor's consents let go.
    GUARDIAN = "guardian"
    # Not assignable to a user: the actor behind CLI commands and background jobs.
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.DIRECTOR: "Program director",
    Role.CLINICIAN: "Clinician",
    Role.CASE_MANAGER: "Case manager",
    Role.ADMISSIONS: "Admissions",
    Role.UTILIZATION_REVIEW: "Utilization review",
    Role.BILLING: "Billing",
    Role.CLIENT: "Client",
    Role.GUARDIAN: "Parent or guardian",
    Role.SYSTEM: "System",
}

USER_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.SYSTEM)
STAFF_ROLES: frozenset[Role] = frozenset(USER_ROLES) - {Role.CLIENT, Role.GUARDIAN}
