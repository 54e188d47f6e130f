"""Periodic work of the callbacks domain, run by the routing dispatcher."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpline.clock import Clock


def run_callback_timers(session: Session, clock: Clock) -> int:
    """Flag promised callbacks whose window closed with no attempt (R-ACCESS-4).

    Returns how many changed. The callbacks domain fills this in; until then nothing is due.
    """
    del session, clock
    return 0
