"""Alembic migrations. Run them with ``flask --app wsgi db upgrade``."""
