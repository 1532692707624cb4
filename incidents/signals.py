"""Signals that let apps further down the dependency chain react to incidents without this
app importing them (DESIGN §2: accounts ← incidents ← investigations ← lexmaria)."""

from django.dispatch import Signal

# Sent by `incident_request_lex_maria` inside its transaction, after the request is recorded,
# with `incident` (locked), `actor` and `reason`. A receiver that raises undoes the request.
lex_maria_requested = Signal()
