"""Schemathesis fuzzes every documented GET operation of ``/api/v1`` against the Flask app
itself, from the app's own OpenAPI document: no answer may be a server error, and every answer
must match the schema documented for its status code (undocumented fields are refused, see
``grants.openapi``). Derandomized, so a run is repeatable.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask, has_app_context
from hypothesis import HealthCheck, given, settings

from grants.db import session
from grants.models import Application
from grants.openapi import document
from workflows import State

CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.response_schema_conformance]


class FreshContext:
    """The app as a server runs it: each request in its own context (and database session), as
    ``OwnContextClient`` in tests/conftest.py does for the test client — the test's own
    transaction is committed first, so the request sees the data and SQLite's lock is free."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[
            bytes]:
        if has_app_context() and session.registry.has():
            session.commit()
        return contextvars.Context().run(self.app, environ, start_response)


@pytest.fixture
def api_schema(app: Flask, make_application: Callable[..., Application],
               followed_up: Application) -> Any:
    """The API's schema, loaded from the app, over a register with something in it."""
    make_application(State.GRANTED, title="Fritidsbanken på hjul")
    make_application(State.DRAFT, title="Ett utkast")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", FreshContext(app))


@pytest.fixture
def followed_up(make_application: Callable[..., Application]) -> Application:
    return make_application(State.FOLLOWED_UP, title="Kvällsöppet med unga")


# Schemathesis' own pytest loader (``from_fixture``) does not run on this pytest (it sets a node
# attribute pytest 9.2 no longer has), so each operation is its own test that draws cases from
# the operation's Hypothesis strategy — the same cases, run by Hypothesis directly.
@pytest.mark.parametrize("path", sorted(document()["paths"]))
def test_every_documented_operation_answers_as_documented(api_schema: Any, path: str) -> None:
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()


def test_a_real_pilot_with_outcomes_and_learnings_answers_as_documented(
    api_schema: Any, followed_up: Application
) -> None:
    # Generated references are almost never real ones: this one is, with every part filled.
    case = api_schema["/api/v1/pilots/{reference}"]["GET"].Case(
        path_parameters={"reference": followed_up.reference})

    response = case.call_and_validate(checks=CHECKS)

    assert response.status_code == 200
    assert response.json()["learnings"] and response.json()["scale_up"] is None
