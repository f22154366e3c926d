"""Indexes for two pages that read the whole table at 10 000 applications: the officer's case
list (newest received first, one page at a time: an index on the submission time instead of a
sort of every case) and the finance dashboard (the ledger summed per year and kind: a covering
index instead of a scan of every entry).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:20:00
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_application_submitted_at", "application", ["submitted_at", "id"])
    op.create_index("ix_ledger_entry_year_kind", "ledger_entry", ["year", "kind", "amount"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entry_year_kind", table_name="ledger_entry")
    op.drop_index("ix_application_submitted_at", table_name="application")
