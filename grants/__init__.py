"""Pilotfonden: the Flask application that runs Region Örebro län's small pilot-grant fund."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from grants import db
from grants.config import load_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` overrides the environment (tests pass their database)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(files("templates")),
    )
    load_config(app, test_config)
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Behind a proxy the client's address (for login throttling and logs) and the scheme
        # come from X-Forwarded-*; only as many hops as configured are believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    db.init_app(app)

    from grants import auth, cli, observability, security, templating
    from grants.views import (
        accessibility,
        accounts,
        admin,
        amendments,
        api,
        applicant,
        decisions,
        dossier,
        errors,
        finance,
        finance_exports,
        followup,
        officer,
        password_reset,
        pilot_reports,
        portfolio,
        public,
        review,
    )

    observability.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(password_reset.bp)
    app.register_blueprint(applicant.bp)
    app.register_blueprint(officer.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(decisions.bp)
    app.register_blueprint(finance.bp)
    app.register_blueprint(finance_exports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pilot_reports.bp)
    app.register_blueprint(followup.bp)
    app.register_blueprint(amendments.bp)
    app.register_blueprint(portfolio.bp)
    app.register_blueprint(dossier.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(accessibility.bp)
    cli.init_app(app)
    return app
