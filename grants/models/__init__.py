"""The SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from grants.models.applications import Application, CaseCounter
from grants.models.audit import AuditEvent
from grants.models.organisations import Municipality, Organisation, OrganisationKind
from grants.models.pots import Pot
from grants.models.security import LoginAttempt
from grants.models.users import User, UserRole

__all__ = [
    "Application",
    "AuditEvent",
    "CaseCounter",
    "LoginAttempt",
    "Municipality",
    "Organisation",
    "OrganisationKind",
    "Pot",
    "User",
    "UserRole",
]
