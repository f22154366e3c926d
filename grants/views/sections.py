"""The sections of the application form: which form each uses, what it shows, how it saves.

A section page builds its form from the stored application (or, if the applicant's last save could
not be stored, from exactly what they typed), shows the section's remaining problems next to the
fields, and saves through the section's operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import Field, FieldList, FormField

from forms.applications import (
    BudgetSectionForm,
    ChecklistSectionForm,
    ContactSectionForm,
    IndicatorsSectionForm,
    ProjectSectionForm,
    StateAidSectionForm,
    TargetSectionForm,
    budget_form_class,
    checklist_form_class,
    set_year_choices,
)
from grants.completeness import CHECKLIST_SECTIONS, Problem, pot_years
from grants.db import session
from grants.models import Application, FocusArea, Municipality
from grants.operations import content as ops
from grants.reference import AGE_BANDS


def leaf_fields(form: Any) -> Iterator[Field]:
    """Every input field of ``form``, descending into lists of rows (for error summaries)."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from leaf_fields(entry.form if isinstance(entry, FormField) else [entry])
        elif isinstance(field, FormField):
            yield from leaf_fields(field.form)
        elif field.type not in ("CSRFTokenField", "SubmitField"):
            yield field


def attach_problems(form: FlaskForm, found: list[Problem]) -> None:
    """Show each problem next to its field (or at the top of the form if it has none)."""
    by_id = {field.id: field for field in leaf_fields(form)}
    for problem in found:
        field = by_id.get(problem.field or "")
        if field is None:
            form.form_errors.append(problem.message)
        elif problem.message not in field.errors:
            field.errors = [*field.errors, problem.message]


def raw_input(formdata: MultiDict[str, str]) -> dict[str, list[str]]:
    """What the person typed, without the token and the buttons (kept as unsaved input)."""
    skip = {"csrf_token", "save", "save_stay", "more_rows"}
    return {key: formdata.getlist(key) for key in formdata if key not in skip}


@dataclass(frozen=True)
class SectionHandler:
    form_class: Callable[[Application], type[FlaskForm]]
    initial: Callable[[Application, int], dict[str, Any]]
    """The stored content as form data; the int is how many blank rows lists get."""
    save: Callable[[Application, Any, Any], None]
    prepare: Callable[[Any, Application], None] = lambda form, application: None


# Project -----------------------------------------------------------------------------------------

_PROJECT_FIELDS = ("title", "summary", "background", "aim", "activities", "start_date",
                   "end_date", "partners")


def _project_initial(application: Application, _rows: int) -> dict[str, Any]:
    return {name: getattr(application, name) for name in _PROJECT_FIELDS}


def _project_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_project(application, actor=actor, **{n: form[n].data for n in _PROJECT_FIELDS})


# Target group ------------------------------------------------------------------------------------

def _target_prepare(form: Any, _application: Application) -> None:
    form.focus_areas.choices = [
        (a.code, a.name) for a in session.scalars(
            sa.select(FocusArea).where(FocusArea.active).order_by(FocusArea.position))
    ]
    form.municipalities.choices = [
        (m.code, m.name) for m in session.scalars(
            sa.select(Municipality).where(Municipality.active).order_by(Municipality.name))
    ]
    form.age_bands.choices = list(AGE_BANDS)


def _target_initial(application: Application, _rows: int) -> dict[str, Any]:
    return {
        "focus_areas": [a.code for a in application.focus_areas],
        "municipalities": [m.code for m in application.municipalities],
        "age_bands": list(application.age_bands),
        "target_group": application.target_group,
        "participants_girls": application.participants_girls,
        "participants_boys": application.participants_boys,
        "participants_other": application.participants_other,
    }


def _target_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_target(
        application, actor=actor, focus_areas=form.focus_areas.data or [],
        municipalities=form.municipalities.data or [], age_bands=form.age_bands.data or [],
        target_group=form.target_group.data, participants_girls=form.participants_girls.data,
        participants_boys=form.participants_boys.data,
        participants_other=form.participants_other.data,
    )


# Indicators --------------------------------------------------------------------------------------

_INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "by_sex")


def _rows(entries: Any) -> list[Any]:
    return [entry.form for entry in entries if not entry.form.is_blank()]


def _indicators_initial(application: Application, blank_rows: int) -> dict[str, Any]:
    rows = [{n: getattr(i, n) for n in _INDICATOR_FIELDS} for i in application.indicators]
    return {"indicators": rows + [{}] * blank_rows}


def _indicators_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_indicators(application, actor=actor, rows=[
        {n: row[n].data for n in _INDICATOR_FIELDS} for row in _rows(form.indicators)
    ])


# Budget ------------------------------------------------------------------------------------------

def _budget_class(_application: Application) -> type[BudgetSectionForm]:
    return budget_form_class(list(pot_years()))


def _budget_prepare(form: Any, _application: Application) -> None:
    set_year_choices(form, list(form.years))


def _budget_initial(application: Application, blank_rows: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "budget_lines": [
            {"year": str(line.year), "cost_type": line.cost_type,
             "description": line.description, "amount": line.amount}
            for line in application.budget_lines
        ] + [{}] * blank_rows,
        "co_financing": [
            {"year": str(line.year), "kind": line.kind, "funder": line.funder,
             "amount": line.amount}
            for line in application.co_financing
        ] + [{}] * max(1, blank_rows - 1),
    }
    for requested in application.requested_amounts:
        data[f"requested_{requested.year}"] = requested.amount
    return data


def _budget_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_budget(
        application, actor=actor,
        lines=[{"year": int(row.year.data), "cost_type": row.cost_type.data,
                "description": row.description.data, "amount": row.amount.data}
               for row in _rows(form.budget_lines)],
        co_financing=[{"year": int(row.year.data), "kind": row.kind.data,
                       "funder": row.funder.data, "amount": row.amount.data}
                      for row in _rows(form.co_financing)],
        requested={year: field.data for year, field in form.requested_fields()},
    )


# Checklists --------------------------------------------------------------------------------------

def _checklist_handler(section: str) -> SectionHandler:
    group = CHECKLIST_SECTIONS[section]

    def questions(application: Application) -> list[Any]:
        version = application.checklist_version
        return [q for q in version.questions if q.checklist == group] if version else []

    def form_class(application: Application) -> type[ChecklistSectionForm]:
        return checklist_form_class(questions(application))

    def initial(application: Application, _rows: int) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for answer in application.checklist_answers:
            data[f"q{answer.question_id}_answer"] = answer.answer
            data[f"q{answer.question_id}_explanation"] = answer.explanation
        return data

    def save(application: Application, form: Any, actor: Any) -> None:
        ops.save_checklist(application, actor=actor, section=section, answers={
            q.id: (answer.data, explanation.data) for q, answer, explanation in form.pairs()
        })

    return SectionHandler(form_class, initial, save)


# State aid and contact ---------------------------------------------------------------------------

def _state_aid_initial(application: Application, _rows: int) -> dict[str, Any]:
    market = {True: "yes", False: "no", None: None}[application.state_aid_market]
    return {"state_aid_market": market,
            "de_minimis_previous_eur": application.de_minimis_previous_eur,
            "de_minimis_confirmed": application.de_minimis_confirmed}


def _state_aid_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_state_aid(
        application, actor=actor,
        market={"yes": True, "no": False}.get(form.state_aid_market.data or ""),
        de_minimis_previous_eur=form.de_minimis_previous_eur.data,
        de_minimis_confirmed=form.de_minimis_confirmed.data,
    )


_CONTACT_FIELDS = ("name", "role", "email", "phone")


def _contact_initial(application: Application, _rows: int) -> dict[str, Any]:
    return {f"contact_{n}": getattr(application, f"contact_{n}") for n in _CONTACT_FIELDS}


def _contact_save(application: Application, form: Any, actor: Any) -> None:
    ops.save_contact(application, actor=actor,
                     **{n: form[f"contact_{n}"].data for n in _CONTACT_FIELDS})


HANDLERS: dict[str, SectionHandler] = {
    "projekt": SectionHandler(lambda a: ProjectSectionForm, _project_initial, _project_save),
    "malgrupp": SectionHandler(lambda a: TargetSectionForm, _target_initial, _target_save,
                               _target_prepare),
    "indikatorer": SectionHandler(lambda a: IndicatorsSectionForm, _indicators_initial,
                                  _indicators_save),
    "budget": SectionHandler(_budget_class, _budget_initial, _budget_save, _budget_prepare),
    "jamstalldhet": _checklist_handler("jamstalldhet"),
    "hallbarhet": _checklist_handler("hallbarhet"),
    "statsstod": SectionHandler(lambda a: StateAidSectionForm, _state_aid_initial,
                                _state_aid_save),
    "kontakt": SectionHandler(lambda a: ContactSectionForm, _contact_initial, _contact_save),
}
"""Every section with a form (attachments have their own page)."""


def stored_form(handler: SectionHandler, application: Application, section: str,
                blank_rows: int) -> FlaskForm:
    """The section's form as the applicant left it: unsaved input (re-validated, so its errors
    show again) if there is any, else the stored content."""
    cls = handler.form_class(application)
    raw = application.unsaved_input.get(section)
    if raw:
        formdata = MultiDict([(k, v) for k, values in raw.items() for v in values])
        formdata["csrf_token"] = generate_csrf()
        form = cls(formdata=formdata)
        handler.prepare(form, application)
        form.validate()
        return form
    form = cls(formdata=None, data=handler.initial(application, blank_rows))
    handler.prepare(form, application)
    return form
