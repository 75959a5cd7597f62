"""What a flag, notification, audit event or overrun exposure is about: the names its ``subject_type`` holds.

Only the subjects code asks about are named here; audit events carry others (``user``, ``api_token``, …)
that are only ever written and shown.
"""

from __future__ import annotations

SUBJECT_IMPROVEMENT = "improvement"
SUBJECT_PROGRAMME = "programme"
