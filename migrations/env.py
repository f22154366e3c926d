"""Alembic environment: the connection comes from the app (see grants/migrate.py)."""

from alembic import context

from grants import models  # noqa: F401  (registers the tables)
from grants.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations through the app: flask --app wsgi db upgrade")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
