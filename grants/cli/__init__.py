"""Command-line tools on ``flask --app wsgi``: db, users, demo, workflow."""

from __future__ import annotations

from flask import Flask

from grants.cli import db, demo, users, workflow


def init_app(app: Flask) -> None:
    for group in (db.group, users.group, demo.group, workflow.group):
        app.cli.add_command(group)
