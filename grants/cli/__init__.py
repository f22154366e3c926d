"""Command-line tools on ``flask --app wsgi``: db, users, demo, workflow, outbox, reports,
finance, backup, restore."""

from __future__ import annotations

from flask import Flask

from grants.cli import backup, db, demo, finance, outbox, reports, users, workflow


def init_app(app: Flask) -> None:
    for group in (db.group, users.group, demo.group, workflow.group, outbox.group,
                  reports.group, finance.group, backup.backup, backup.restore):
        app.cli.add_command(group)
