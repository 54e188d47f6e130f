"""Finding customers by normalised contact point or name: how intake recognises a caller."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.customers import service as customer_service
from helpline.errors import InvalidInput, NotFound, PermissionDenied
from tests.support.customers import Cast, customer_audit, make_cast, make_customer


@pytest.fixture
def cast(session: Session, clock: FixedClock) -> Cast:
    return make_cast(session, clock)


def test_a_caller_is_recognised_by_number_in_any_format(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    caller = make_customer(session, clock, cast.client_a, phones=["+905321234567"])
    make_customer(session, clock, cast.client_a)
    # The same number with another client's customer is not a match for client A.
    make_customer(session, clock, cast.client_b, phones=["+905321234567"])
    _, agent = cast.agent
    for raw, region in (("+90 532 123 45 67", None), ("0532 123 45 67", "TR")):
        found = customer_service.find_customers(
            session,
            agent,
            client_id=cast.client_a.id,
            phone=raw,
            default_region=region,
            purpose="caller recognition",
            clock=clock,
        )
        assert [customer.id for customer in found] == [caller.id]


def test_a_sender_is_recognised_by_email(session: Session, clock: FixedClock, cast: Cast) -> None:
    sender = make_customer(session, clock, cast.client_a, emails=["hoa@example.vn"])
    _, agent = cast.agent
    found = customer_service.find_customers(
        session, agent, client_id=cast.client_a.id, email="hoa@EXAMPLE.vn", clock=clock
    )
    assert [customer.id for customer in found] == [sender.id]


def test_names_match_by_case_insensitive_prefix_in_name_order(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    second = make_customer(session, clock, cast.client_a, display_name="Anna Smith")
    first = make_customer(session, clock, cast.client_a, display_name="Ann Lee")
    make_customer(session, clock, cast.client_a, display_name="Bob Ann")
    make_customer(session, clock, cast.client_a, display_name="100% Sure")
    _, agent = cast.agent
    found = customer_service.find_customers(
        session, agent, client_id=cast.client_a.id, name_prefix="ann", clock=clock
    )
    assert [customer.id for customer in found] == [first.id, second.id]
    # LIKE wildcards in the prefix are literal characters.
    wildcard = customer_service.find_customers(
        session, agent, client_id=cast.client_a.id, name_prefix="%", clock=clock
    )
    assert wildcard == []


def test_criteria_combine_and_the_limit_holds(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    both = make_customer(
        session, clock, cast.client_a, phones=["+36201234567"], emails=["eva@example.hu"]
    )
    make_customer(session, clock, cast.client_a, emails=["eva2@example.hu"])
    _, agent = cast.agent
    found = customer_service.find_customers(
        session,
        agent,
        client_id=cast.client_a.id,
        phone="+36201234567",
        email="eva2@example.hu",
        clock=clock,
    )
    assert found == []
    found = customer_service.find_customers(
        session,
        agent,
        client_id=cast.client_a.id,
        phone="+36201234567",
        email="eva@example.hu",
        clock=clock,
    )
    assert [customer.id for customer in found] == [both.id]
    everyone = customer_service.find_customers(
        session, agent, client_id=cast.client_a.id, limit=1, clock=clock
    )
    assert len(everyone) == 1


def test_a_search_is_one_audited_read_listing_the_ids(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    first = make_customer(session, clock, cast.client_a, display_name="Zoe One")
    second = make_customer(session, clock, cast.client_a, display_name="Zoe Two")
    agent_user, agent = cast.agent
    before = len(customer_audit(session))
    customer_service.find_customers(
        session,
        agent,
        client_id=cast.client_a.id,
        name_prefix="Zoe",
        purpose="duplicate check",
        clock=clock,
    )
    session.rollback()  # the search committed its entry
    entries = customer_audit(session)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.action, entry.subject_id, entry.client_id) == ("read", None, cast.client_a.id)
    assert (entry.actor_user_id, entry.actor_label) == (agent_user.id, agent_user.email)
    assert entry.detail == {
        "purpose": "duplicate check",
        "criteria": ["name_prefix"],
        "customer_ids": [first.id, second.id],
    }


def test_a_search_that_finds_nobody_is_still_audited(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    _, agent = cast.agent
    customer_service.find_customers(
        session, agent, client_id=cast.client_a.id, phone="+905320000000", clock=clock
    )
    entry = customer_audit(session)[-1]
    assert entry.detail == {"purpose": "search", "criteria": ["phone"], "customer_ids": []}


def test_the_client_may_be_left_out_by_users_of_one_client(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    own = make_customer(session, clock, cast.client_a)
    make_customer(session, clock, cast.client_b)
    _, viewer = cast.viewer_a
    found = customer_service.find_customers(session, viewer, client_id=None, clock=clock)
    assert [customer.id for customer in found] == [own.id]
    _, agent = cast.agent  # serves every client, so must say which
    with pytest.raises(InvalidInput) as caught:
        customer_service.find_customers(session, agent, client_id=None, clock=clock)
    assert caught.value.field == "client_id"


def test_search_outside_scope_or_of_an_unknown_client_is_refused(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    _, viewer = cast.viewer_a
    with pytest.raises(PermissionDenied):
        customer_service.find_customers(session, viewer, client_id=cast.client_b.id, clock=clock)
    _, admin = cast.admin
    with pytest.raises(NotFound):
        customer_service.find_customers(session, admin, client_id=1_999_999_999, clock=clock)


BAD_CRITERIA: list[tuple[dict[str, Any], str]] = [
    ({"phone": "12345"}, "phone"),
    ({"email": "nobody"}, "email"),
    ({"name_prefix": "  "}, "name_prefix"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"purpose": ""}, "purpose"),
]


@pytest.mark.parametrize(("criteria", "field"), BAD_CRITERIA)
def test_bad_criteria_are_refused(
    session: Session, clock: FixedClock, cast: Cast, criteria: dict[str, Any], field: str
) -> None:
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as caught:
        customer_service.find_customers(
            session, agent, client_id=cast.client_a.id, clock=clock, **criteria
        )
    assert caught.value.field == field
    assert customer_audit(session) == []
