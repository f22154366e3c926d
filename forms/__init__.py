"""WTForms classes (through Flask-WTF, so every form carries a CSRF token)."""
