"""Blueprints, one per audience. Views load (404), authorise (403), validate (422), call one
operation, commit once, and redirect."""
