"""Skills and languages a queue's contacts need, by code and minimum level (R-HR-1, R-ACCESS-8)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.errors import InvalidInput
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from tests.support.factories import SYSTEM, make_client
from tests.support.queues import make_queue, make_skill


def requirements(session: Session, clock: FixedClock, queue_id: int) -> list[tuple[str, int]]:
    view = queue_queries.get_queue_view(session, SYSTEM, queue_id, clock=clock)
    return [(item.skill_code, item.min_level) for item in view.skill_requirements]


def test_set_replace_and_clear_requirements(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    make_skill(session, clock, "billing")
    make_skill(session, clock, "lang-tr", language_code="tr")
    make_skill(session, clock, "complaints")
    queue_service.set_skill_requirements(
        session, SYSTEM, queue.id, [("billing", 2), ("LANG-TR", 3)], clock=clock
    )
    assert requirements(session, clock, queue.id) == [("billing", 2), ("lang-tr", 3)]
    queue_service.set_skill_requirements(
        session, SYSTEM, queue.id, [("lang-tr", 4), ("complaints", 1)], clock=clock
    )
    assert requirements(session, clock, queue.id) == [("complaints", 1), ("lang-tr", 4)]
    view = queue_queries.get_queue_view(session, SYSTEM, queue.id, clock=clock)
    assert [item.language_code for item in view.skill_requirements] == [None, "tr"]
    queue_service.set_skill_requirements(session, SYSTEM, queue.id, [], clock=clock)
    assert requirements(session, clock, queue.id) == []


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("nosuch", 1)], "unknown skill nosuch"),
        ([("billing", 1), ("Billing", 2)], "named twice"),
        ([("billing", 0)], "from 1 to 5"),
        ([("billing", 6)], "from 1 to 5"),
        ([("b!", 1)], "skill code"),
    ],
)
def test_bad_requirements_are_refused_and_change_nothing(
    session: Session, clock: FixedClock, pairs: list[tuple[str, int]], message: str
) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    make_skill(session, clock, "billing")
    queue_service.set_skill_requirements(session, SYSTEM, queue.id, [("billing", 2)], clock=clock)
    with pytest.raises(InvalidInput, match=message):
        queue_service.set_skill_requirements(session, SYSTEM, queue.id, pairs, clock=clock)
    session.rollback()
    assert requirements(session, clock, queue.id) == [("billing", 2)]
