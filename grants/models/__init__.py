"""The SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from grants.models.applications import Application, CaseCounter
from grants.models.audit import AuditEvent
from grants.models.content import (
    Attachment,
    BudgetLine,
    ChecklistAnswer,
    ChecklistAnswerValue,
    ChecklistGroup,
    ChecklistQuestion,
    ChecklistVersion,
    CoFinancingKind,
    CoFinancingLine,
    CostType,
    FocusArea,
    RequestedAmount,
    ResultIndicator,
)
from grants.models.organisations import Municipality, Organisation, OrganisationKind
from grants.models.outbox import OutboxMessage
from grants.models.pots import Pot
from grants.models.security import LoginAttempt
from grants.models.settings import FundSettings, FundSettingsChange
from grants.models.users import User, UserRole

__all__ = [
    "Application",
    "Attachment",
    "AuditEvent",
    "BudgetLine",
    "CaseCounter",
    "ChecklistAnswer",
    "ChecklistAnswerValue",
    "ChecklistGroup",
    "ChecklistQuestion",
    "ChecklistVersion",
    "CoFinancingKind",
    "CoFinancingLine",
    "CostType",
    "FocusArea",
    "FundSettings",
    "FundSettingsChange",
    "OutboxMessage",
    "RequestedAmount",
    "ResultIndicator",
    "LoginAttempt",
    "Municipality",
    "Organisation",
    "OrganisationKind",
    "Pot",
    "User",
    "UserRole",
]
