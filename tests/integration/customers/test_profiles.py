"""Creating and changing customer profiles: normalisation, uniqueness, special-category consent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.customers import service as customer_service
from helpline.customers.models import Customer, CustomerContactPoint
from helpline.customers.service import CustomerChanges
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.support.customers import Cast, customer_audit, make_cast, make_customer
from tests.support.factories import make_client


@pytest.fixture
def cast(session: Session, clock: FixedClock) -> Cast:
    return make_cast(session, clock)


def _count_customers(session: Session) -> int:
    return session.scalar(select(func.count(Customer.id))) or 0


def test_create_stores_normalised_contact_points_and_language(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    _, agent = cast.agent
    customer = customer_service.create_customer(
        session,
        agent,
        client_id=cast.client_a.id,
        display_name="  Ayşe Y\u0131lmaz ",
        phones=["+90 (532) 123-45-67", "0212 123 45 67"],
        emails=["Ayse.Yilmaz@Example.COM"],
        preferred_language="tr-TR",
        default_region="TR",
        clock=clock,
    )
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert stored is not None
    assert stored.display_name == "Ayşe Y\u0131lmaz"
    assert stored.preferred_language == "tr"
    assert [(point.kind, point.value) for point in stored.contact_points] == [
        ("phone", "+905321234567"),
        ("phone", "+902121234567"),
        ("email", "ayse.yilmaz@example.com"),
    ]
    assert all(point.client_id == cast.client_a.id for point in stored.contact_points)
    assert stored.created_at == stored.updated_at == clock.now()
    assert not stored.is_vulnerable
    assert stored.communication_needs is None


def test_the_same_number_twice_in_one_request_is_kept_once(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session,
        clock,
        cast.client_a,
        phones=["+36 20 123 4567", "06 20 123 4567"],
        default_region="HU",
    )
    assert [point.value for point in customer.contact_points] == ["+36201234567"]


@pytest.mark.parametrize(
    ("phones", "emails", "region", "field"),
    [
        (["+90 532 123 45 67", "not a number"], [], None, "phones.1"),
        (["0532 123 45 67"], [], None, "phones.0"),  # national format needs a region
        (["+90 532 123 45 67"], [], "ZZ", "default_region"),
        (["+1 212 555 01"], [], None, "phones.0"),  # too short to be valid
        ([], ["ayse@"], None, "emails.0"),
        ([], ["ok@example.com", "two@@example.com"], None, "emails.1"),
    ],
)
def test_bad_contact_points_are_refused_naming_the_entry(
    session: Session,
    clock: FixedClock,
    cast: Cast,
    phones: list[str],
    emails: list[str],
    region: str | None,
    field: str,
) -> None:
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as caught:
        customer_service.create_customer(
            session,
            agent,
            client_id=cast.client_a.id,
            display_name="Ayşe",
            phones=phones,
            emails=emails,
            default_region=region,
            clock=clock,
        )
    assert caught.value.field == field
    assert _count_customers(session) == 0


def test_more_than_ten_numbers_are_refused(session: Session, clock: FixedClock, cast: Cast) -> None:
    phones = [f"+90532000{n:04d}" for n in range(11)]
    with pytest.raises(InvalidInput) as caught:
        make_customer(session, clock, cast.client_a, phones=phones)
    assert caught.value.field == "phones"


@pytest.mark.parametrize(
    ("name", "field"),
    [("   ", "display_name"), ("x" * 201, "display_name"), ("bell\x07", "display_name")],
)
def test_bad_names_are_refused(
    session: Session, clock: FixedClock, cast: Cast, name: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_customer(session, clock, cast.client_a, display_name=name)
    assert caught.value.field == field


def test_unsupported_language_is_refused(session: Session, clock: FixedClock, cast: Cast) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_customer(session, clock, cast.client_a, preferred_language="de")
    assert caught.value.field == "preferred_language"


def test_a_contact_point_belongs_to_one_customer_per_client(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    make_customer(
        session, clock, cast.client_a, phones=["+905321112233"], emails=["ana@example.com"]
    )
    with pytest.raises(Conflict) as phone_clash:
        make_customer(session, clock, cast.client_a, phones=["0532 111 22 33"], default_region="TR")
    assert phone_clash.value.field == "phones"
    with pytest.raises(Conflict) as email_clash:
        make_customer(session, clock, cast.client_a, phones=[], emails=["ana@EXAMPLE.com"])
    assert email_clash.value.field == "emails"
    # Another client's customer may have the same number: clients are separate tenants.
    other = make_customer(session, clock, cast.client_b, phones=["+905321112233"])
    assert other.contact_points[0].value == "+905321112233"
    assert _count_customers(session) == 2


def test_special_category_data_needs_consent(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    with pytest.raises(InvalidInput) as needs:
        make_customer(session, clock, cast.client_a, communication_needs="large print")
    assert needs.value.field == "communication_needs"
    with pytest.raises(InvalidInput) as vulnerable:
        make_customer(session, clock, cast.client_a, is_vulnerable=True)
    assert vulnerable.value.field == "is_vulnerable"
    assert _count_customers(session) == 0

    customer = make_customer(
        session,
        clock,
        cast.client_a,
        communication_needs="large print; read-aloud",
        is_vulnerable=True,
        special_category_consent=True,
    )
    assert customer.communication_needs == "large print; read-aloud"
    assert customer.is_vulnerable


def test_empty_communication_needs_are_stored_as_none(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a, communication_needs="   ")
    assert customer.communication_needs is None


def test_create_in_an_inactive_or_unknown_client_is_refused(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    dormant = make_client(session, clock)
    dormant.is_active = False
    session.commit()
    with pytest.raises(InvalidInput) as inactive:
        make_customer(session, clock, dormant)
    assert inactive.value.field == "client_id"
    _, admin = cast.admin
    with pytest.raises(NotFound) as unknown:
        customer_service.create_customer(
            session, admin, client_id=2_000_000_000, display_name="Nobody", clock=clock
        )
    assert unknown.value.field == "client_id"


def test_update_changes_only_what_is_given(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a, preferred_language="en")
    created_at = customer.created_at
    clock.advance(60)
    _, agent = cast.agent
    updated = customer_service.update_customer(
        session,
        agent,
        customer.id,
        changes=CustomerChanges(display_name="New Name", marketing_consent=True),
        clock=clock,
    )
    assert updated.display_name == "New Name"
    assert updated.marketing_consent
    assert updated.preferred_language == "en"
    assert updated.created_at == created_at
    assert updated.updated_at == clock.now()
    entry = customer_audit(session, customer.id)[-1]
    assert entry.action == "update"
    assert entry.detail == {"fields": ["display_name", "marketing_consent"]}


def test_update_clears_the_language_with_none(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a, preferred_language="vi")
    _, agent = cast.agent
    updated = customer_service.update_customer(
        session, agent, customer.id, changes=CustomerChanges(preferred_language=None), clock=clock
    )
    assert updated.preferred_language is None


def test_an_update_that_changes_nothing_keeps_updated_at(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a, display_name="Same")
    clock.advance(60)
    _, agent = cast.agent
    updated = customer_service.update_customer(
        session, agent, customer.id, changes=CustomerChanges(display_name="Same"), clock=clock
    )
    assert updated.updated_at == customer.created_at
    assert customer_audit(session, customer.id)[-1].detail == {"fields": []}


def test_setting_special_category_data_without_consent_is_refused(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as needs:
        customer_service.update_customer(
            session,
            agent,
            customer.id,
            changes=CustomerChanges(communication_needs="sign language"),
            clock=clock,
        )
    assert needs.value.field == "communication_needs"
    with pytest.raises(InvalidInput) as vulnerable:
        customer_service.update_customer(
            session, agent, customer.id, changes=CustomerChanges(is_vulnerable=True), clock=clock
        )
    assert vulnerable.value.field == "is_vulnerable"
    # Consent and the data it covers may arrive together.
    updated = customer_service.update_customer(
        session,
        agent,
        customer.id,
        changes=CustomerChanges(
            special_category_consent=True, communication_needs="sign language", is_vulnerable=True
        ),
        clock=clock,
    )
    assert updated.communication_needs == "sign language"
    assert updated.is_vulnerable


def test_withdrawing_consent_clears_the_data_it_covered(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session,
        clock,
        cast.client_a,
        communication_needs="plain language",
        is_vulnerable=True,
        special_category_consent=True,
    )
    _, agent = cast.agent
    customer_service.update_customer(
        session,
        agent,
        customer.id,
        changes=CustomerChanges(special_category_consent=False),
        clock=clock,
    )
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert stored is not None
    assert not stored.special_category_consent
    assert stored.communication_needs is None
    assert not stored.is_vulnerable
    assert customer_audit(session, customer.id)[-1].detail == {
        "fields": ["communication_needs", "is_vulnerable", "special_category_consent"]
    }


def test_withdrawing_consent_while_setting_needs_is_refused(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session,
        clock,
        cast.client_a,
        communication_needs="large print",
        special_category_consent=True,
    )
    _, agent = cast.agent
    with pytest.raises(InvalidInput) as caught:
        customer_service.update_customer(
            session,
            agent,
            customer.id,
            changes=CustomerChanges(special_category_consent=False, communication_needs="audio"),
            clock=clock,
        )
    assert caught.value.field == "communication_needs"
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert stored is not None
    assert stored.special_category_consent
    assert stored.communication_needs == "large print"


def test_update_refuses_bad_values(session: Session, clock: FixedClock, cast: Cast) -> None:
    customer = make_customer(session, clock, cast.client_a)
    _, agent = cast.agent
    for changes, field in [
        (CustomerChanges(display_name=""), "display_name"),
        (CustomerChanges(preferred_language="klingon"), "preferred_language"),
        (
            CustomerChanges(special_category_consent=True, communication_needs="x" * 1001),
            "communication_needs",
        ),
    ]:
        with pytest.raises(InvalidInput) as caught:
            customer_service.update_customer(
                session, agent, customer.id, changes=changes, clock=clock
            )
        assert caught.value.field == field


def test_update_of_an_unknown_customer_is_not_found(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    _, agent = cast.agent
    with pytest.raises(NotFound):
        customer_service.update_customer(
            session, agent, 999_999, changes=CustomerChanges(display_name="X"), clock=clock
        )


def test_audit_detail_names_fields_but_never_values(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session,
        clock,
        cast.client_a,
        display_name="Secret Name",
        phones=["+905329998877"],
        emails=["secret@example.com"],
        communication_needs="hearing impaired",
        special_category_consent=True,
    )
    (entry,) = customer_audit(session, customer.id)
    assert entry.action == "create"
    assert entry.detail == {
        "fields": [
            "communication_needs",
            "display_name",
            "emails",
            "phones",
            "special_category_consent",
        ]
    }
    text = json.dumps(entry.detail)
    for value in ("Secret", "905329998877", "secret@", "hearing"):
        assert value not in text


def test_writers_need_the_write_permission_and_the_client(
    session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer_b = make_customer(session, clock, cast.client_b)
    for who in (cast.planner, cast.viewer_a):
        _, actor = who
        with pytest.raises(PermissionDenied):
            customer_service.create_customer(
                session, actor, client_id=cast.client_a.id, display_name="X", clock=clock
            )
    _, agent_a = cast.agent_a
    with pytest.raises(PermissionDenied) as outside:
        customer_service.create_customer(
            session, agent_a, client_id=cast.client_b.id, display_name="X", clock=clock
        )
    assert outside.value.field == "client"
    # An object of another client is answered as missing, so its existence does not leak.
    with pytest.raises(NotFound):
        customer_service.update_customer(
            session, agent_a, customer_b.id, changes=CustomerChanges(display_name="X"), clock=clock
        )
    assert session.scalar(select(func.count(CustomerContactPoint.id))) == 1
