"""Periodic work of the callbacks domain, run by the routing dispatcher."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpline.callbacks import service as callback_service
from helpline.clock import Clock
from helpline.identity.rules import Actor

_TIMER_ACTOR = Actor.system("routing")


def run_callback_timers(session: Session, clock: Clock) -> int:
    """Flag promised callbacks whose window closed with no attempt (R-ACCESS-4).

    Each broken promise is flagged once; returns how many were flagged in this run.
    """
    return callback_service.flag_missed_windows(session, _TIMER_ACTOR, clock=clock)
