"""Operations: the only code that changes state, money and the audit trail.

Each operation checks the actor's right on the object, changes rows, appends its audit event and
flushes. It never commits: the request (or CLI command) commits once, so the change and its audit
event are stored together or not at all.
"""
