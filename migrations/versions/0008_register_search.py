"""The public register's full-text search on PostgreSQL: GIN indexes on the Swedish documents of
the pilots' title and summary and of the reports' learnings (SQLite searches without them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 07:40:00
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_application_search": "application USING gin (to_tsvector('swedish', title || ' ' || summary))",
    "ix_report_learnings_search": (
        "report USING gin (to_tsvector('swedish', learned_worked || ' ' || learned_not_worked"
        " || ' ' || learned_for_others))"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
