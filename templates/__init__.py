"""Jinja templates. A package only so that a non-editable install ships them (see pyproject)."""
