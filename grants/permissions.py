"""Who may see and do what. Views call these before they load details or run operations."""

from __future__ import annotations

from typing import Any

from grants.models import Application, Review, User
from workflows import Role

CASE_STAFF = frozenset({Role.OFFICER.value, Role.DECIDER.value})


def is_case_staff(user: Any) -> bool:
    """Officers and deciders handle cases and see every submitted application."""
    return bool(getattr(user, "is_authenticated", False) and user.roles & CASE_STAFF)


def is_applicant_member(user: Any, application: Application) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Role.APPLICANT.value in user.roles
        and user.organisation_id is not None
        and user.organisation_id == application.organisation_id
        # Someone who asked to join an organisation sees nothing until a member confirms them.
        and user.membership_confirmed
    )


def review_of(user: Any, application: Application) -> Review | None:
    """``user``'s review on the case, if they are (or were) assigned to it and not taken off."""
    if not getattr(user, "is_authenticated", False) or Role.REVIEWER.value not in user.roles:
        return None
    return next((r for r in application.reviews
                 if r.reviewer_id == user.id and r.removed_at is None), None)


def can_view_application(user: Any, application: Application) -> bool:
    """The whole application: its organisation, case staff once received, and a reviewer who
    is assigned and has declared no jäv (before that a reviewer sees only title, organisation
    and summary; after declaring jäv, nothing more)."""
    if is_applicant_member(user, application):
        return True
    review = review_of(user, application)
    if review is not None and review.cleared and application.state != "draft":
        return True
    # A draft is the applicant's own working copy; it reaches the region only when submitted.
    return is_case_staff(user) and application.state != "draft"


def roles_on(user: User, application: Application) -> frozenset[str]:
    """The roles ``user`` holds *for this application*, as the workflow engine should see them.

    The applicant role counts only for the applicant's own organisation's applications.
    """
    roles = set(user.roles)
    if not is_applicant_member(user, application):
        roles.discard(Role.APPLICANT.value)
    return frozenset(roles)
