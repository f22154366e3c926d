"""Before the decision: screening, the region's Dnr, reviewers, jäv declarations and reviews.

None of these change the case's state (that is the workflow engine's job: ``assess``, ``grant``,
``reject``), but each is logged on the case's audit trail in the same flush, and each locks the
case first so that two people acting at once are serialised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlalchemy as sa

from grants.completeness import fund_settings
from grants.db import session, utcnow
from grants.models import (
    JAV_GROUNDS,
    Application,
    CriterionKind,
    HorizontalRating,
    JavStatus,
    Recommendation,
    Review,
    ReviewScore,
    Rubric,
    Screening,
    User,
)
from grants.models.assessment import SCORE_MAX, SCORE_MIN
from grants.money import format_kronor
from grants.operations.common import clean_text, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role, State

DNR_PATTERN = re.compile(r"^\d{2}RS\d{1,6}$")
TEXT_LIMIT = 5000
REVIEWABLE = (State.SUBMITTED.value,)
"""Reviews are assigned, made and reopened while the case is received and not yet assessed."""


def _require_officer(actor: User, what: str) -> None:
    if Role.OFFICER.value not in actor.roles:
        raise NotPermitted(f"Bara en handläggare kan {what}.")


def _require_state(application: Application, states: tuple[str, ...], what: str) -> None:
    if application.state not in states:
        raise InvalidInput(
            f"Det går inte att {what} när ärendet har status «{application.state_label}»."
        )


# The region's Dnr ------------------------------------------------------------------------------


def register_dnr(application: Application, *, actor: User, dnr: str) -> Application:
    """Store the region's registry number for the case (e.g. ``25RS1234``).

    Raises NotPermitted (not an officer), InvalidInput (malformed, already used by another case,
    or the case is still a draft).
    """
    _require_officer(actor, "registrera diarienummer")
    lock_application(application)
    value = (dnr or "").strip().upper().replace(" ", "")
    if application.state == State.DRAFT.value:
        raise InvalidInput("Ett utkast har inte kommit in och kan inte diarieföras.")
    if not DNR_PATTERN.match(value):
        raise InvalidInput(
            "Diarienumret ska ha formen två siffror för året, RS och löpnumret, till exempel "
            "25RS1234."
        )
    if value == application.dnr:
        return application
    used = session.scalar(
        sa.select(Application.reference).where(Application.dnr == value,
                                               Application.id != application.id)
    )
    if used:
        raise InvalidInput(f"Diarienumret {value} används redan för ärende {used}.")
    if application.decisions:
        raise InvalidInput("Ärendet är redan beslutat; diarienumret står i beslutsbrevet och "
                           "kan inte ändras.")
    before = application.dnr
    application.dnr = value
    session.flush()
    log_case_event(application, "register_dnr", actor=actor,
                   data={"dnr": value, "before": before})
    return application


# Screening ---------------------------------------------------------------------------------------


def save_screening(
    application: Application, *, actor: User, complete: bool, eligible_applicant: bool,
    within_aims: bool, state_aid_handled: bool, note: str = "",
) -> Screening:
    """Record the officer's formal check. When every point holds the case may go to review.

    Raises NotPermitted, InvalidInput (wrong state; a state-aid flagged case marked handled
    without a note saying how).
    """
    _require_officer(actor, "göra den formella kontrollen")
    lock_application(application)
    _require_state(application, REVIEWABLE, "göra den formella kontrollen")
    note = clean_text(note, TEXT_LIMIT, "Anteckningen")
    if application.state_aid_market and state_aid_handled and not note:
        raise InvalidInput(
            "Sökanden bedriver ekonomisk verksamhet på en marknad: skriv i anteckningen hur "
            "frågan om statligt stöd (de minimis) är kontrollerad."
        )
    screening = session.get(Screening, application.id)
    if screening is None:
        screening = Screening(application_id=application.id, screened_by_id=actor.id)
        session.add(screening)
    screening.complete, screening.eligible_applicant = complete, eligible_applicant
    screening.within_aims, screening.state_aid_handled = within_aims, state_aid_handled
    screening.note, screening.screened_by_id, screening.screened_at = note, actor.id, utcnow()
    session.flush()
    log_case_event(
        application, "screen", actor=actor, reason=note,
        data={name: getattr(screening, name) for name in Screening.CHECKS}
        | {"passed": screening.passed},
    )
    session.refresh(application)
    return screening


# Reviewers -------------------------------------------------------------------------------------


def current_rubric() -> Rubric:
    rubric = session.scalars(sa.select(Rubric).order_by(Rubric.number.desc()).limit(1)).first()
    if rubric is None:
        raise InvalidInput("Det finns ingen bedömningsmall. Be en administratör lägga in en.")
    return rubric


def reviewers_required(application: Application) -> int:
    """How many reviews the case needs (the admin's setting, by the amount requested)."""
    return fund_settings().reviewers_required(application.requested_total)


def conflict_flags(reviewer: User, application: Application) -> list[str]:
    """Likely conflicts of interest to show the officer (the reviewer still declares jäv)."""
    flags = []
    organisation = application.organisation
    if reviewer.organisation_id == application.organisation_id:
        flags.append(f"Granskaren tillhör den sökande organisationen ({organisation.name}).")
    own = {code for code in (
        reviewer.municipality_code,
        reviewer.organisation.municipality_code if reviewer.organisation else None,
    ) if code}
    pilot = {m.code: m.name for m in application.municipalities}
    if organisation.municipality:
        pilot.setdefault(organisation.municipality.code, organisation.municipality.name)
    for code in sorted(own & pilot.keys()):
        flags.append(f"Granskaren har anknytning till {pilot[code]}, där piloten genomförs "
                     "eller den sökande finns.")
    return flags


def assign_reviewer(application: Application, *, actor: User, reviewer: User) -> Review:
    """Assign ``reviewer`` to the case on the current rubric; likely conflicts are flagged.

    Raises NotPermitted (not an officer) or InvalidInput: the case is not screened as passed,
    the person is not an active reviewer, belongs to the applicant's organisation, or is (or
    was) already assigned.
    """
    _require_officer(actor, "tilldela granskare")
    lock_application(application)
    _require_state(application, REVIEWABLE, "tilldela granskare")
    if application.screening is None or not application.screening.passed:
        raise InvalidInput("Gör den formella kontrollen och godkänn alla punkter innan ärendet "
                           "går till granskning.")
    if Role.REVIEWER.value not in reviewer.roles or not reviewer.active:
        raise InvalidInput(f"{reviewer.name} är inte en aktiv granskare.")
    if reviewer.organisation_id is not None and (
        reviewer.organisation_id == application.organisation_id
    ):
        raise InvalidInput(
            f"{reviewer.name} tillhör den sökande organisationen och kan inte granska ansökan "
            "(jäv, förvaltningslagen 16 §)."
        )
    existing = session.scalar(
        sa.select(Review).where(Review.application_id == application.id,
                                Review.reviewer_id == reviewer.id)
    )
    if existing is not None:
        why = ("har anmält jäv i ärendet" if existing.jav == JavStatus.DECLARED
               else "är redan tilldelad ärendet" if existing.removed_at is None
               else "har redan tagits bort från ärendet")
        raise InvalidInput(f"{reviewer.name} {why}.")
    review = Review(
        application_id=application.id, reviewer_id=reviewer.id, rubric_id=current_rubric().id,
        assigned_by_id=actor.id, conflict_flags=conflict_flags(reviewer, application),
    )
    session.add(review)
    session.flush()
    log_case_event(application, "assign_reviewer", actor=actor,
                   data={"reviewer_id": reviewer.id, "reviewer": reviewer.name,
                         "flags": review.conflict_flags})
    return review


def remove_reviewer(review: Review, *, actor: User, reason: str) -> Review:
    """Take a reviewer off the case (the row and its history stay). A submitted review stays."""
    _require_officer(actor, "ta bort granskare")
    application = review.application
    lock_application(application)
    session.refresh(review)
    _require_state(application, REVIEWABLE, "ta bort granskare")
    reason = clean_text(reason, TEXT_LIMIT, "Skälet")
    if not reason:
        raise InvalidInput("Skriv varför granskaren tas bort från ärendet.")
    if review.submitted:
        raise InvalidInput("En inlämnad granskning finns kvar i ärendet och kan inte tas bort.")
    if review.removed_at is not None:
        raise InvalidInput(f"{review.reviewer.name} är redan borttagen från ärendet.")
    review.removed_at = utcnow()
    session.flush()
    log_case_event(application, "remove_reviewer", actor=actor, reason=reason,
                   data={"reviewer_id": review.reviewer_id, "reviewer": review.reviewer.name})
    return review


def _own_review(review: Review, actor: User) -> None:
    if review.reviewer_id != actor.id or Role.REVIEWER.value not in actor.roles:
        raise NotPermitted("Det här är inte din granskning.")
    if review.removed_at is not None:
        raise NotPermitted("Du är inte längre granskare i ärendet.")


def declare_jav(
    review: Review, *, actor: User, disqualified: bool, ground: int | None = None, note: str = "",
) -> Review:
    """The reviewer's jäv declaration: "no jäv", or jäv with its ground (FL 16 § 1–4).

    Jäv takes the reviewer off the case and tells the officer (who can assign someone else).
    Raises NotPermitted (not the reviewer) or InvalidInput (already declared, ground missing).
    """
    _own_review(review, actor)
    application = review.application
    lock_application(application)
    session.refresh(review)
    if review.jav != JavStatus.PENDING:
        raise InvalidInput("Du har redan lämnat din jävsdeklaration i ärendet.")
    note = clean_text(note, TEXT_LIMIT, "Anteckningen")
    if disqualified:
        if ground not in JAV_GROUNDS:
            raise InvalidInput("Välj vilken jävsgrund som gäller.")
        if not note:
            raise InvalidInput("Beskriv kort varför du är jävig.")
        review.jav, review.jav_ground = JavStatus.DECLARED.value, ground
    else:
        review.jav, review.jav_ground = JavStatus.NONE.value, None
    review.jav_note, review.jav_declared_at = note, utcnow()
    session.flush()
    log_case_event(application, "declare_jav", actor=actor, reason=note,
                   data={"review_id": review.id, "jav": review.jav, "ground": review.jav_ground})
    if disqualified:
        _tell_officer_of_jav(review)
    return review


def _tell_officer_of_jav(review: Review) -> None:
    from grants.mail import queue_message

    officer = review.assigned_by
    application = review.application
    queue_message(
        key=f"jav:{review.id}:{officer.email}", recipient=officer.email,
        subject=f"Jäv anmält i {application.reference}",
        body=(
            f"Hej!\n\n{review.reviewer.name} har anmält jäv i ärende {application.reference} "
            f"«{application.title}» (grund {review.jav_ground}: {JAV_GROUNDS[review.jav_ground]})"
            f".\n\nGranskaren är borttagen från ärendet. Tilldela en annan granskare om det "
            "behövs.\n\nDet här är ett automatiskt meddelande från Pilotfonden.\n"
        ),
        application=application,
    )


ScoreInput = Mapping[int, tuple[int | None, str]]
RatingInput = Mapping[int, tuple[str | None, str]]


def save_review(
    review: Review, *, actor: User, scores: ScoreInput, ratings: RatingInput,
    recommendation: str | None, recommended_amount: int | None, comment: str, submit: bool,
) -> Review:
    """Save the reviewer's scores (0–3 with a reason per criterion), horizontal ratings,
    recommendation and comment; with ``submit`` the review is handed in and then frozen.

    Raises NotPermitted (not this reviewer, not cleared of jäv) or InvalidInput with every
    problem (a score outside 0–3, a missing reason or rating, a reduced amount that is not below
    the requested amount, an already submitted review).
    """
    _own_review(review, actor)
    application = review.application
    lock_application(application)
    session.refresh(review)
    if review.jav != JavStatus.NONE:
        raise NotPermitted("Lämna din jävsdeklaration innan du granskar ansökan.")
    _require_state(application, REVIEWABLE, "granska ansökan")
    if review.submitted:
        raise InvalidInput("Granskningen är redan inlämnad. Handläggaren kan öppna den igen.")
    problems: list[str] = []
    rows: dict[int, ReviewScore] = {}
    for criterion in review.rubric.criteria:
        row = ReviewScore(review_id=review.id, criterion_id=criterion.id)
        if criterion.kind == CriterionKind.SCORED:
            score, reason = scores.get(criterion.id, (None, ""))
            if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
                problems.append(f"{criterion.title}: poängen ska vara mellan {SCORE_MIN} och "
                                f"{SCORE_MAX}.")
                score = None
            elif submit and score is None:
                problems.append(f"{criterion.title}: välj en poäng ({SCORE_MIN}–{SCORE_MAX}).")
            row.score = score
        else:
            rating, reason = ratings.get(criterion.id, (None, ""))
            if rating is not None and rating not in HorizontalRating.__members__.values():
                problems.append(f"{criterion.title}: välj aktivt, delvis eller inte.")
                rating = None
            elif submit and rating is None:
                problems.append(f"{criterion.title}: välj aktivt, delvis eller inte.")
            row.rating = rating
        row.reason = clean_text(reason, TEXT_LIMIT, f"Motiveringen för «{criterion.title}»")
        if submit and criterion.kind == CriterionKind.SCORED and not row.reason:
            problems.append(f"{criterion.title}: skriv en motivering till poängen.")
        rows[criterion.id] = row
    if recommendation is not None and recommendation not in Recommendation.__members__.values():
        problems.append("Välj en rekommendation i listan.")
        recommendation = None
    if submit and recommendation is None:
        problems.append("Välj vad du rekommenderar: bevilja, bevilja med lägre belopp eller avslå.")
    if recommendation == Recommendation.GRANT_REDUCED:
        requested = application.requested_total
        if recommended_amount is None:
            problems.append("Ange vilket belopp du rekommenderar.")
        elif not 0 < recommended_amount < requested:
            problems.append(f"Det rekommenderade beloppet ska vara större än 0 kr och lägre än "
                            f"det sökta beloppet {format_kronor(requested)}.")
    else:
        recommended_amount = None
    comment = clean_text(comment, TEXT_LIMIT, "Kommentaren till handläggaren")
    if problems:
        raise InvalidInput(*problems)
    review.scores = list(rows.values())
    review.recommendation, review.recommended_amount = recommendation, recommended_amount
    if recommendation == Recommendation.GRANT_REDUCED and recommended_amount is None:
        review.recommendation = None  # a draft without the amount yet keeps the CHECK whole
    review.comment = comment
    if submit:
        review.submitted_at = utcnow()
    session.flush()
    if submit:
        log_case_event(application, "submit_review", actor=actor,
                       data={"review_id": review.id, "total": review.weighted_total,
                             "recommendation": review.recommendation})
    return review


def reopen_review(review: Review, *, actor: User, reason: str) -> Review:
    """Open a submitted review again so the reviewer can change it (only the officer; logged)."""
    _require_officer(actor, "öppna en inlämnad granskning igen")
    application = review.application
    lock_application(application)
    session.refresh(review)
    _require_state(application, REVIEWABLE, "öppna en granskning igen")
    if not review.submitted:
        raise InvalidInput("Granskningen är inte inlämnad, så den behöver inte öppnas igen.")
    reason = clean_text(reason, TEXT_LIMIT, "Skälet")
    if not reason:
        raise InvalidInput("Skriv varför granskningen öppnas igen.")
    review.submitted_at = None
    session.flush()
    log_case_event(application, "reopen_review", actor=actor, reason=reason,
                   data={"review_id": review.id, "reviewer": review.reviewer.name})
    return review


def active_reviews(application: Application) -> list[Review]:
    return [r for r in application.reviews if r.active]


def review_problems(application: Application) -> list[str]:
    """Why the case cannot be assessed or decided yet for lack of screening or reviews."""
    problems = []
    if application.screening is None or not application.screening.passed:
        problems.append("Den formella kontrollen är inte gjord och godkänd.")
    required = reviewers_required(application)
    done = sum(1 for r in application.reviews if r.cleared and r.submitted)
    if done < required:
        problems.append(f"Ärendet behöver {required} inlämnade granskningar utan jäv; "
                        f"{done} är inlämnade.")
    return problems
