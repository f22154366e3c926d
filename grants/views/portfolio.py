"""The portfolio map: where the portfolio is thick and where the gaps are.

For officers and deciders: the focus area × municipality and lever × horizon matrices with the
pilots listed, each pilot's place on the map (levers, horizon, internal note) and its relations,
the relation graph, and the portfolio reviews. Changing a pilot's place and its relations is the
officer's; deciders read them, and both record reviews.

For anyone (``/portfoljen``): the same matrices and relations, without the internal notes,
the relation notes and the reviews.

The pilot list is paged (``?sida=``), and so are the relations when there are more than
:data:`grants.portfolio.GRAPH_LIMIT`: the graph then draws the relations of the table's page,
the newest first.

Each form answers bad input with 422, the error summary and the typed values kept.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from forms.portfolio import (
    PilotTagForm,
    PortfolioReviewForm,
    RelationAddForm,
    RelationRemoveForm,
)
from grants.auth import require_roles
from grants.db import session
from grants.models import (
    Application,
    Lever,
    PilotRelation,
    PortfolioEntry,
    PortfolioReview,
    pilot_lever,
)
from grants.operations import portfolio as portfolio_ops
from grants.operations.errors import InvalidInput, NotPermitted
from grants.portfolio import (
    GRAPH_LIMIT,
    NOT_ASSESSED,
    Graph,
    pilot_page,
    portfolio_map,
    relation_graph,
    reviews,
)
from grants.register import PUBLIC_STATES, focus_area_names, municipality_names
from grants.views.pagination import Pages, page_number
from workflows import Role

bp = Blueprint("portfolio", __name__)
STAFF = (Role.OFFICER.value, Role.DECIDER.value)
OFFICER = Role.OFFICER.value
PER_PAGE = 50
PUBLIC_PILOT_ENDPOINT = "public.pilot"
"""The public register's page for one pilot (``reference=``), linked from the open map when the
register has it."""


@bp.app_template_global("public_pilot_url")
def public_pilot_url(reference: str) -> str | None:
    """The public register's page for the pilot, or None while there is no such page."""
    try:
        return url_for(PUBLIC_PILOT_ENDPOINT, reference=reference)
    except BuildError:
        return None


# The map ----------------------------------------------------------------------------------------


@bp.get("/portfolj")
@require_roles(*STAFF)
def index() -> Any:
    page = page_number(request.args.get("sida"))
    found = portfolio_map()
    return render_template("portfolio/index.html", map=found,
                           pages=Pages(page=page, total=found.pilot_count, per_page=PER_PAGE),
                           pilots=pilot_page(page, PER_PAGE))


def _relation_pages(graph: Graph, page: int) -> Pages:
    return Pages(page=page, total=graph.total, per_page=GRAPH_LIMIT)


@bp.get("/portfoljen")
def public_map() -> Any:
    """The open version: matrices, participants and relations, with no internal notes."""
    page = page_number(request.args.get("sida"))
    graph = relation_graph(public=True, page=page)
    return render_template("portfolio/public.html", map=portfolio_map(), graph=graph,
                           pages=_relation_pages(graph, page))


@bp.get("/portfolj/relationer")
@require_roles(*STAFF)
def relations() -> Any:
    page = page_number(request.args.get("sida"))
    graph = relation_graph(page=page)
    return render_template("portfolio/relations.html", graph=graph,
                           pages=_relation_pages(graph, page))


# One pilot --------------------------------------------------------------------------------------


def _load_pilot(application_id: int) -> Application:
    """A public pilot (404 otherwise: only granted pilots are in the portfolio)."""
    application = session.get(Application, application_id)
    if application is None or application.state not in PUBLIC_STATES:
        abort(404)
    return application


def _pilot_page(application: Application, *, tag_form: PilotTagForm | None = None,
                relation_form: RelationAddForm | None = None, status: int = 200,
                failed: str = "") -> Any:
    entry = session.get(PortfolioEntry, application.id)
    if tag_form is None:
        levers = list(session.scalars(sa.select(pilot_lever.c.lever).where(
            pilot_lever.c.application_id == application.id)))
        tag_form = PilotTagForm(formdata=None, data={
            "levers": levers, "horizon": (entry.horizon if entry and entry.horizon
                                          else NOT_ASSESSED),
            "note": entry.internal_note if entry else ""})
    relation_form = relation_form or RelationAddForm(prefix="relation", formdata=None)
    others = session.execute(
        sa.select(Application.id, Application.reference, Application.title)
        .where(Application.state.in_(PUBLIC_STATES), Application.id != application.id)
        .order_by(Application.reference)).all()
    relation_form.target.choices = [("", "Välj pilot"),
                                    *((str(i), f"{ref} {title}") for i, ref, title in others)]
    related = session.scalars(
        sa.select(PilotRelation).where(sa.or_(PilotRelation.from_id == application.id,
                                              PilotRelation.to_id == application.id))
        .order_by(PilotRelation.created_at, PilotRelation.id)).all()
    return render_template(
        "portfolio/pilot.html", application=application, entry=entry, tag_form=tag_form,
        relation_form=relation_form, remove_form=RelationRemoveForm(formdata=None),
        related=related, may_edit=current_user.has_role(OFFICER), failed=failed,
        lever_labels=[lever.label for lever in Lever
                      if lever.value in (tag_form.levers.data or [])],
    ), status


@bp.get("/portfolj/piloter/<int:application_id>")
@require_roles(*STAFF)
def pilot(application_id: int) -> Any:
    return _pilot_page(_load_pilot(application_id))


@bp.post("/portfolj/piloter/<int:application_id>")
@require_roles(OFFICER)
def tag(application_id: int) -> Any:
    application = _load_pilot(application_id)
    form = PilotTagForm()
    if not form.validate_on_submit():
        return _pilot_page(application, tag_form=form, status=422, failed="tag")
    try:
        event = portfolio_ops.tag_pilot(
            application, actor=current_user, levers=form.levers.data or [],
            horizon=form.horizon_value, note=form.note.data or "")
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    except InvalidInput as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        return _pilot_page(_load_pilot(application_id), tag_form=form, status=422,
                           failed="tag")
    flash("Pilotens plats i portföljen är sparad." if event else "Inget var ändrat.",
          "success" if event else "info")
    return redirect(url_for("portfolio.pilot", application_id=application_id))


@bp.post("/portfolj/piloter/<int:application_id>/relationer")
@require_roles(OFFICER)
def add_relation(application_id: int) -> Any:
    application = _load_pilot(application_id)
    form = RelationAddForm(prefix="relation")
    form.target.choices = [(str(i), "") for i in session.scalars(
        sa.select(Application.id).where(Application.state.in_(PUBLIC_STATES)))]
    if not form.validate_on_submit():
        return _pilot_page(application, relation_form=form, status=422, failed="relation")
    target = _load_pilot(int(form.target.data))
    try:
        relation = portfolio_ops.relate_pilots(application, target, actor=current_user,
                                               kind=form.kind.data, note=form.note.data or "")
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    except InvalidInput as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        return _pilot_page(_load_pilot(application_id), relation_form=form, status=422,
                           failed="relation")
    flash(f"Relationen är tillagd: {application.reference} {relation.kind_label} "
          f"{target.reference}.", "success")
    return redirect(url_for("portfolio.pilot", application_id=application_id,
                            _anchor="relationer"))


@bp.post("/portfolj/piloter/<int:application_id>/relationer/<int:relation_id>/ta-bort")
@require_roles(OFFICER)
def remove_relation(application_id: int, relation_id: int) -> Any:
    application = _load_pilot(application_id)
    relation = session.get(PilotRelation, relation_id)
    if relation is None or application.id not in (relation.from_id, relation.to_id):
        abort(404)
    form = RelationRemoveForm()
    if not form.validate_on_submit():
        abort(400, description="Formuläret var för gammalt. Ladda om sidan och försök igen.")
    text = f"{relation.source.reference} {relation.kind_label} {relation.target.reference}"
    try:
        portfolio_ops.remove_relation(relation, actor=current_user)
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    flash(f"Relationen är borttagen: {text}.", "success")
    return redirect(url_for("portfolio.pilot", application_id=application_id,
                            _anchor="relationer"))


# Reviews ----------------------------------------------------------------------------------------


@bp.get("/portfolj/genomgangar")
@require_roles(*STAFF)
def review_list() -> Any:
    return render_template("portfolio/reviews.html", reviews=reviews())


def _review_form(**kwargs: Any) -> PortfolioReviewForm:
    pilots = session.execute(
        sa.select(Application.id, Application.reference, Application.title)
        .where(Application.state.in_(PUBLIC_STATES)).order_by(Application.reference)).all()
    return PortfolioReviewForm(
        pilots=[(str(i), f"{ref} {title}") for i, ref, title in pilots],
        areas=focus_area_names(), municipalities=municipality_names(), **kwargs)


@bp.route("/portfolj/genomgangar/ny", methods=["GET", "POST"])
@require_roles(*STAFF)
def new_review() -> Any:
    if request.method == "GET":
        return render_template("portfolio/new_review.html", form=_review_form(formdata=None))
    form = _review_form()
    if form.validate_on_submit():
        try:
            review = portfolio_ops.record_review(
                actor=current_user, held_on=form.held_on.data, title=form.title.data or "",
                notes=form.notes.data or "",
                items=[entry.form.as_item() for entry in form.items])
            session.commit()
        except NotPermitted:
            session.rollback()
            abort(403)
        except InvalidInput as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            flash(f"Genomgången «{review.title}» är sparad med {len(review.decisions)} beslut.",
                  "success")
            return redirect(url_for("portfolio.review", review_id=review.id))
    return render_template("portfolio/new_review.html", form=form), 422


@bp.get("/portfolj/genomgangar/<int:review_id>")
@require_roles(*STAFF)
def review(review_id: int) -> Any:
    found = session.get(PortfolioReview, review_id)
    if found is None:
        abort(404)
    return render_template("portfolio/review.html", review=found, areas=focus_area_names(),
                           municipalities=municipality_names())
