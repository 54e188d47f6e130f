"""Who may read customers, and the audit trail every read and write leaves (R-DATA-1)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.customers import service as customer_service
from helpline.customers.rules import ContactPointKind
from helpline.customers.service import CustomerChanges
from helpline.errors import InvalidInput, NotFound, PermissionDenied
from helpline.identity import queries as identity_queries
from tests.support.customers import Cast, customer_audit, make_cast, make_customer


@pytest.fixture
def cast(session: Session, clock: FixedClock) -> Cast:
    return make_cast(session, clock)


def test_reads_and_writes_are_audited_with_the_user_and_the_chain_holds(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    agent_user, agent = cast.agent
    viewer_user, viewer = cast.viewer_a
    customer = customer_service.create_customer(
        session,
        agent,
        client_id=cast.client_a.id,
        display_name="Mária Kovács",
        phones=["+36 20 123 4567"],
        clock=clock,
    )
    clock.advance(5)
    read = customer_service.get_customer(
        session, viewer, customer.id, clock=clock, purpose="monthly complaint review"
    )
    assert read.id == customer.id
    # The read committed its entry: rolling back what follows cannot lose the trail.
    session.rollback()

    entries = customer_audit(session, customer.id)
    assert [(entry.action, entry.actor_user_id, entry.actor_label) for entry in entries] == [
        ("create", agent_user.id, agent_user.email),
        ("read", viewer_user.id, viewer_user.email),
    ]
    assert all(entry.client_id == cast.client_a.id for entry in entries)
    assert entries[1].detail == {"purpose": "monthly complaint review"}
    assert entries[1].occurred_at == clock.now()

    _, admin = cast.admin
    check = identity_queries.verify_audit_chain(session, admin)
    assert check.is_intact
    assert check.entries_checked >= 2


def test_a_read_needs_a_purpose(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    for purpose in ("  ", "x" * 201):
        with pytest.raises(InvalidInput) as caught:
            customer_service.get_customer(session, agent, customer.id, clock=clock, purpose=purpose)
        assert caught.value.field == "purpose"
    assert [entry.action for entry in customer_audit(session, customer.id)] == ["create"]


def test_a_planner_may_not_read_customers(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, planner = cast.planner
    with pytest.raises(PermissionDenied):
        customer_service.get_customer(session, planner, customer.id, clock=clock, purpose="look")
    with pytest.raises(PermissionDenied):
        customer_service.find_customers(session, planner, client_id=cast.client_a.id, clock=clock)
    assert [entry.action for entry in customer_audit(session, customer.id)] == ["create"]


def test_a_client_viewer_reads_its_own_client_only_and_never_writes(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    own = make_customer(session, clock, cast.client_a, display_name="Own")
    other = make_customer(session, clock, cast.client_b, display_name="Other")
    _, viewer = cast.viewer_a

    assert (
        customer_service.get_customer(
            session, viewer, own.id, clock=clock, purpose="report"
        ).display_name
        == "Own"
    )
    with pytest.raises(NotFound):
        customer_service.get_customer(session, viewer, other.id, clock=clock, purpose="report")
    with pytest.raises(PermissionDenied):
        customer_service.update_customer(
            session, viewer, own.id, changes=CustomerChanges(display_name="X"), clock=clock
        )
    with pytest.raises(PermissionDenied):
        customer_service.add_contact_point(
            session,
            viewer,
            own.id,
            kind=ContactPointKind.EMAIL,
            value="x@example.com",
            clock=clock,
        )
    with pytest.raises(PermissionDenied):
        customer_service.remove_contact_point(
            session, viewer, own.id, own.contact_points[0].id, clock=clock
        )
    # The refused read of client B's customer left no trace of B's data.
    assert [entry.action for entry in customer_audit(session, other.id)] == ["create"]


def test_a_scoped_agent_cannot_reach_another_clients_customer(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    other = make_customer(session, clock, cast.client_b)
    _, agent_a = cast.agent_a
    with pytest.raises(NotFound):
        customer_service.get_customer(session, agent_a, other.id, clock=clock, purpose="call")
    with pytest.raises(NotFound):
        customer_service.remove_contact_point(
            session, agent_a, other.id, other.contact_points[0].id, clock=clock
        )


def test_an_unknown_customer_is_not_found(session: Session, clock: FixedClock, cast: Cast) -> None:
    _, agent = cast.agent
    with pytest.raises(NotFound) as caught:
        customer_service.get_customer(session, agent, 123_456_789, clock=clock, purpose="call")
    assert caught.value.field == "customer_id"


def test_every_change_leaves_one_entry_in_order(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    agent_user, agent = cast.agent
    customer = customer_service.create_customer(
        session, agent, client_id=cast.client_a.id, display_name="Trail", clock=clock
    )
    point = customer_service.add_contact_point(
        session,
        agent,
        customer.id,
        kind=ContactPointKind.PHONE,
        value="+7 912 345-67-89",
        clock=clock,
    )
    customer_service.update_customer(
        session, agent, customer.id, changes=CustomerChanges(survey_opt_out=True), clock=clock
    )
    customer_service.remove_contact_point(session, agent, customer.id, point.id, clock=clock)
    customer_service.get_customer(session, agent, customer.id, clock=clock, purpose="check")
    entries = customer_audit(session, customer.id)
    assert [(entry.action, entry.detail.get("fields")) for entry in entries] == [
        ("create", ["display_name"]),
        ("update", ["phones"]),
        ("update", ["survey_opt_out"]),
        ("update", ["phones"]),
        ("read", None),
    ]
    assert {entry.actor_user_id for entry in entries} == {agent_user.id}
