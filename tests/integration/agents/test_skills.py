"""The skill catalogue: codes, names and language skills (R-HR-1, R-ACCESS-8)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.clock import FixedClock
from helpline.errors import Conflict, InvalidInput, PermissionDenied
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_skill


def test_create_and_list_skills(session: Session, clock: FixedClock) -> None:
    skill = agent_service.create_skill(
        session, SYSTEM, code=" Billing ", name=" Billing questions ", clock=clock
    )
    language = agent_service.create_skill(
        session, SYSTEM, code="lang-tr", name="Turkish", language_code="tr_TR", clock=clock
    )
    assert (skill.code, skill.name, skill.language_code) == ("billing", "Billing questions", None)
    assert language.language_code == "tr"
    listed = agent_service.list_skills(session, SYSTEM)
    assert [item.code for item in listed] == ["billing", "lang-tr"]


def test_skill_codes_and_languages_are_unique(session: Session, clock: FixedClock) -> None:
    make_skill(session, clock, "billing")
    make_skill(session, clock, "lang-hu", language_code="hu")
    with pytest.raises(Conflict) as caught:
        agent_service.create_skill(session, SYSTEM, code="BILLING", name="Again", clock=clock)
    assert caught.value.field == "code"
    with pytest.raises(Conflict, match="lang-hu") as caught:
        agent_service.create_skill(
            session, SYSTEM, code="hungarian", name="Hungarian", language_code="HU", clock=clock
        )
    assert caught.value.field == "language_code"


@pytest.mark.parametrize(
    ("code", "name", "language_code", "field"),
    [
        ("x", "Too short", None, "code"),
        ("with space", "Bad", None, "code"),
        ("ok-code", " ", None, "name"),
        ("ok-code", "n" * 121, None, "name"),
        ("lang-de", "German", "de", "language_code"),
        ("lang-xx", "Nonsense", "not a language", "language_code"),
    ],
)
def test_bad_skills_are_refused(
    session: Session,
    clock: FixedClock,
    code: str,
    name: str,
    language_code: str | None,
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        agent_service.create_skill(
            session, SYSTEM, code=code, name=name, language_code=language_code, clock=clock
        )
    assert caught.value.field == field


def test_empty_language_code_means_no_language(session: Session, clock: FixedClock) -> None:
    skill = agent_service.create_skill(
        session, SYSTEM, code="billing", name="Billing", language_code="  ", clock=clock
    )
    assert skill.language_code is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.PLANNER, Role.QUALITY])
def test_only_managers_of_agents_create_skills(
    session: Session, clock: FixedClock, role: Role
) -> None:
    _, actor = make_user(session, clock, role)
    with pytest.raises(PermissionDenied):
        agent_service.create_skill(session, actor, code="billing", name="Billing", clock=clock)


def test_client_viewer_cannot_list_skills(session: Session, clock: FixedClock) -> None:
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[make_client(session, clock)])
    with pytest.raises(PermissionDenied):
        agent_service.list_skills(session, viewer)
