"""Adding and removing a customer's phone numbers and e-mail addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.customers import service as customer_service
from helpline.customers.models import CustomerContactPoint
from helpline.customers.rules import ContactPointKind
from helpline.errors import Conflict, InvalidInput, NotFound
from tests.support.customers import Cast, customer_audit, make_cast, make_customer

PHONE = ContactPointKind.PHONE
EMAIL = ContactPointKind.EMAIL


@pytest.fixture
def cast(session: Session, clock: FixedClock) -> Cast:
    return make_cast(session, clock)


def test_an_added_number_is_stored_in_e164(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a)
    clock.advance(30)
    _, agent = cast.agent
    point = customer_service.add_contact_point(
        session,
        agent,
        customer.id,
        kind=PHONE,
        value="8 (912) 345-67-89",
        default_region="RU",
        clock=clock,
    )
    session.expire_all()
    stored = session.get(CustomerContactPoint, point.id)
    assert stored is not None
    assert (stored.kind, stored.value, stored.client_id) == (
        "phone",
        "+79123456789",
        cast.client_a.id,
    )
    assert stored.customer.updated_at == clock.now()
    entry = customer_audit(session, customer.id)[-1]
    assert entry.detail == {
        "fields": ["phones"],
        "contact_point": "added",
        "contact_point_id": point.id,
    }


def test_an_added_email_is_normalised(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    point = customer_service.add_contact_point(
        session, agent, customer.id, kind=EMAIL, value=" Lan.Nguyen@Example.VN ", clock=clock
    )
    assert point.value == "lan.nguyen@example.vn"


@pytest.mark.parametrize(
    ("kind", "value", "region", "field"),
    [
        (PHONE, "call me maybe", None, "value"),
        (PHONE, "0532 123 45 67", None, "value"),
        (PHONE, "0532 123 45 67", "XX", "default_region"),
        (EMAIL, "no-at-sign.example.com", None, "value"),
    ],
)
def test_bad_values_are_refused(
    session: Session,
    clock: FixedClock,
    cast: Cast,
    kind: ContactPointKind,
    value: str,
    region: str | None,
    field: str,
) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as caught:
        customer_service.add_contact_point(
            session, agent, customer.id, kind=kind, value=value, default_region=region, clock=clock
        )
    assert caught.value.field == field
    assert len(customer.contact_points) == 1


def test_a_point_of_another_customer_of_the_client_is_a_conflict(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    make_customer(session, clock, cast.client_a, phones=["+905551112233"])
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    with pytest.raises(Conflict) as caught:
        customer_service.add_contact_point(
            session, agent, customer.id, kind=PHONE, value="+90 555 111 22 33", clock=clock
        )
    assert caught.value.field == "value"
    with pytest.raises(Conflict) as own:
        customer_service.add_contact_point(
            session,
            agent,
            customer.id,
            kind=PHONE,
            value=customer.contact_points[0].value,
            clock=clock,
        )
    assert own.value.field == "value"


def test_a_customer_holds_at_most_ten_of_a_kind(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session, clock, cast.client_a, phones=[], emails=[f"c{n}@example.com" for n in range(10)]
    )
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as caught:
        customer_service.add_contact_point(
            session, agent, customer.id, kind=EMAIL, value="c10@example.com", clock=clock
        )
    assert caught.value.field == "value"
    # The limit is per kind: a phone still fits.
    customer_service.add_contact_point(
        session, agent, customer.id, kind=PHONE, value="+84 91 234 56 78", clock=clock
    )
    assert len(customer.contact_points) == 11


def test_a_removed_point_is_gone_and_free_for_another_customer(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    first = make_customer(session, clock, cast.client_a, phones=["+447911123456"])
    point_id = first.contact_points[0].id
    clock.advance(10)
    _, agent = cast.agent
    customer_service.remove_contact_point(session, agent, first.id, point_id, clock=clock)
    session.expire_all()
    assert session.get(CustomerContactPoint, point_id) is None
    assert first.updated_at == clock.now()
    assert customer_audit(session, first.id)[-1].detail == {
        "fields": ["phones"],
        "contact_point": "removed",
        "contact_point_id": point_id,
    }
    second = make_customer(
        session, clock, cast.client_a, phones=["07911 123456"], default_region="GB"
    )
    assert second.contact_points[0].value == "+447911123456"


def test_removing_a_point_of_another_customer_is_not_found(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    first = make_customer(session, clock, cast.client_a)
    second = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    with pytest.raises(NotFound) as caught:
        customer_service.remove_contact_point(
            session, agent, first.id, second.contact_points[0].id, clock=clock
        )
    assert caught.value.field == "point_id"
    remaining = session.scalars(
        select(CustomerContactPoint.id).where(CustomerContactPoint.customer_id == second.id)
    ).all()
    assert remaining == [second.contact_points[0].id]
