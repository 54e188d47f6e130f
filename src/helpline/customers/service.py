"""Customer use cases: profiles, contact points, consent, and audited reads of personal data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.clock import Clock
from helpline.customers.models import Customer, CustomerContactPoint
from helpline.customers.rules import (
    MAX_COMMUNICATION_NEEDS_LENGTH,
    MAX_CONTACT_POINTS_PER_KIND,
    MAX_NAME_LENGTH,
    MAX_PURPOSE_LENGTH,
    MAX_SEARCH_LIMIT,
    ContactPointKind,
    normalise_contact_point,
    normalise_language,
)
from helpline.errors import Conflict, InvalidInput, NotFound
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, AuditAction, Permission, can_access_client
from helpline.validation import clean_text

SUBJECT_TYPE = "customer"

# The list field of a create request that carries each kind of contact point.
_LIST_FIELD = {ContactPointKind.PHONE: "phones", ContactPointKind.EMAIL: "emails"}
# A normalised contact point with the request field it came from, for naming a conflict.
_Point = tuple[ContactPointKind, str, str]
_KIND_LABEL = {ContactPointKind.PHONE: "phone number", ContactPointKind.EMAIL: "e-mail address"}


class Unset(Enum):
    """Marks a field of CustomerChanges that the caller did not give."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerChanges:
    """The profile fields a caller wants changed; UNSET leaves a field as it is."""

    display_name: str | Unset = UNSET
    preferred_language: str | Unset | None = UNSET
    communication_needs: str | Unset | None = UNSET
    is_vulnerable: bool | Unset = UNSET
    special_category_consent: bool | Unset = UNSET
    marketing_consent: bool | Unset = UNSET
    survey_opt_out: bool | Unset = UNSET

    def given(self) -> dict[str, Any]:
        """The fields the caller gave, by name."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if getattr(self, item.name) is not UNSET
        }


# --- validation ----------------------------------------------------------------------------


def _clean_language(value: str | None) -> str | None:
    return None if value is None else normalise_language(value)


def _clean_needs(value: str | None) -> str | None:
    if value is None:
        return None
    needs = clean_text(
        value, "communication_needs", MAX_COMMUNICATION_NEEDS_LENGTH, allow_empty=True
    )
    return needs or None


def _clean_purpose(purpose: str) -> str:
    return clean_text(purpose, "purpose", MAX_PURPOSE_LENGTH)


def _refuse_special_category_without_consent(
    *, consent: bool, communication_needs: str | None, is_vulnerable: bool
) -> None:
    """R-INFO-2, R-PROTECT-9, GDPR art. 9: needs and vulnerability are kept only with consent."""
    if consent:
        return
    if communication_needs is not None:
        raise InvalidInput(
            "communication needs are special-category data: record them only with the "
            "customer's consent (special_category_consent)",
            field="communication_needs",
        )
    if is_vulnerable:
        raise InvalidInput(
            "a vulnerability flag is special-category data: set it only with the "
            "customer's consent (special_category_consent)",
            field="is_vulnerable",
        )


def _normalise_points(
    kind: ContactPointKind, raw_values: Iterable[str], default_region: str | None
) -> list[_Point]:
    """Normalise one kind of contact point; duplicates within the request collapse into one."""
    field = _LIST_FIELD[kind]
    values: list[str] = []
    for index, raw in enumerate(raw_values):
        try:
            value = normalise_contact_point(kind, raw, default_region)
        except InvalidInput as error:
            at = error.field if error.field == "default_region" else f"{field}.{index}"
            raise InvalidInput(error.message, field=at) from error
        if value not in values:
            values.append(value)
    if len(values) > MAX_CONTACT_POINTS_PER_KIND:
        raise InvalidInput(
            f"a customer has at most {MAX_CONTACT_POINTS_PER_KIND} {field}", field=field
        )
    return [(kind, value, field) for value in values]


def _refuse_taken(session: Session, client_id: int, points: Sequence[_Point]) -> None:
    """A contact point identifies one customer of a client: refuse one that is taken."""
    for kind, value, field in points:
        taken = session.scalar(
            select(CustomerContactPoint.id).where(
                CustomerContactPoint.client_id == client_id,
                CustomerContactPoint.kind == kind.value,
                CustomerContactPoint.value == value,
            )
        )
        if taken is not None:
            raise Conflict(
                f"the {_KIND_LABEL[kind]} {value} belongs to another customer of this client",
                field=field,
            )


def _flush_points(session: Session, client_id: int, points: Sequence[_Point]) -> None:
    """Flush, turning a concurrent insert of the same contact point into a Conflict."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        _refuse_taken(session, client_id, points)
        raise


# --- lookups -------------------------------------------------------------------------------


def _customer_in_scope(
    session: Session, actor: Actor, customer_id: int, *, for_update: bool = False
) -> Customer:
    """The customer if it exists and the actor's client scope reaches it; NotFound otherwise."""
    query: Select[Customer] = select(Customer).where(Customer.id == customer_id)
    if for_update:
        # Serialises writers of one customer, so a consent withdrawal cannot interleave with
        # a write of the data it covers.
        query = query.with_for_update().execution_options(populate_existing=True)
    customer = session.scalar(query)
    if customer is None or not can_access_client(actor, customer.client_id):
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return customer


def _active_client_id(session: Session, actor: Actor, client_id: int) -> int:
    client = identity_service.get_client(session, actor, client_id)
    if not client.is_active:
        raise InvalidInput(f"the client organisation {client.code} is inactive", field="client_id")
    return client.id


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    customer: Customer,
    *,
    clock: Clock,
    detail: dict[str, Any],
) -> None:
    identity_service.record_audit(
        session,
        actor,
        action=action,
        subject_type=SUBJECT_TYPE,
        subject_id=customer.id,
        client_id=customer.client_id,
        clock=clock,
        detail=detail,
    )


# --- use cases -----------------------------------------------------------------------------


def create_customer(
    session: Session,
    actor: Actor,
    *,
    client_id: int,
    display_name: str,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    preferred_language: str | None = None,
    communication_needs: str | None = None,
    is_vulnerable: bool = False,
    special_category_consent: bool = False,
    marketing_consent: bool = False,
    survey_opt_out: bool = False,
    default_region: str | None = None,
    clock: Clock,
) -> Customer:
    """Record a customer of one client with their contact points (R-DATA-1, R-ACCESS-8)."""
    identity_service.authorise(actor, Permission.WRITE_CUSTOMERS, client_id=client_id)
    client_id = _active_client_id(session, actor, client_id)
    name = clean_text(display_name, "display_name", MAX_NAME_LENGTH)
    language = _clean_language(preferred_language)
    needs = _clean_needs(communication_needs)
    _refuse_special_category_without_consent(
        consent=special_category_consent, communication_needs=needs, is_vulnerable=is_vulnerable
    )
    points = _normalise_points(ContactPointKind.PHONE, phones, default_region)
    points += _normalise_points(ContactPointKind.EMAIL, emails, default_region)
    _refuse_taken(session, client_id, points)
    now = clock.now()
    customer = Customer(
        client_id=client_id,
        display_name=name,
        preferred_language=language,
        communication_needs=needs,
        is_vulnerable=is_vulnerable,
        special_category_consent=special_category_consent,
        marketing_consent=marketing_consent,
        survey_opt_out=survey_opt_out,
        created_at=now,
        updated_at=now,
        contact_points=[
            CustomerContactPoint(client_id=client_id, kind=kind.value, value=value, created_at=now)
            for kind, value, _ in points
        ],
    )
    session.add(customer)
    _flush_points(session, client_id, points)
    recorded = {
        "display_name": True,
        "phones": any(kind is ContactPointKind.PHONE for kind, _, _ in points),
        "emails": any(kind is ContactPointKind.EMAIL for kind, _, _ in points),
        "preferred_language": language is not None,
        "communication_needs": needs is not None,
        "is_vulnerable": is_vulnerable,
        "special_category_consent": special_category_consent,
        "marketing_consent": marketing_consent,
        "survey_opt_out": survey_opt_out,
    }
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        customer,
        clock=clock,
        detail={"fields": sorted(field for field, is_set in recorded.items() if is_set)},
    )
    session.commit()
    return customer


def update_customer(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    changes: CustomerChanges,
    clock: Clock,
) -> Customer:
    """Change profile fields; withdrawing special-category consent erases what it covered.

    R-INFO-2, R-PROTECT-9: communication needs and the vulnerability flag exist only while the
    customer consents, so a withdrawal clears both in the same transaction.
    """
    identity_service.authorise(actor, Permission.WRITE_CUSTOMERS)
    customer = _customer_in_scope(session, actor, customer_id, for_update=True)
    wanted = changes.given()
    if "display_name" in wanted:
        wanted["display_name"] = clean_text(wanted["display_name"], "display_name", MAX_NAME_LENGTH)
    if "preferred_language" in wanted:
        wanted["preferred_language"] = _clean_language(wanted["preferred_language"])
    if "communication_needs" in wanted:
        wanted["communication_needs"] = _clean_needs(wanted["communication_needs"])

    consent = wanted.get("special_category_consent", customer.special_category_consent)
    if not consent:
        _refuse_special_category_without_consent(
            consent=False,
            communication_needs=wanted.get("communication_needs"),
            is_vulnerable=wanted.get("is_vulnerable", False),
        )
        wanted["communication_needs"] = None
        wanted["is_vulnerable"] = False

    changed = sorted(name for name, value in wanted.items() if getattr(customer, name) != value)
    for name in changed:
        setattr(customer, name, wanted[name])
    if changed:
        customer.updated_at = clock.now()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        customer,
        clock=clock,
        detail={"fields": changed},
    )
    session.commit()
    return customer


def add_contact_point(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    kind: ContactPointKind,
    value: str,
    default_region: str | None = None,
    clock: Clock,
) -> CustomerContactPoint:
    """Give a customer another phone number (stored in E.164) or e-mail address."""
    identity_service.authorise(actor, Permission.WRITE_CUSTOMERS)
    customer = _customer_in_scope(session, actor, customer_id, for_update=True)
    try:
        normalised = normalise_contact_point(kind, value, default_region)
    except InvalidInput as error:
        at = error.field if error.field == "default_region" else "value"
        raise InvalidInput(error.message, field=at) from error
    same_kind = [point for point in customer.contact_points if point.kind == kind.value]
    if any(point.value == normalised for point in same_kind):
        raise Conflict(
            f"the customer has the {_KIND_LABEL[kind]} {normalised} already", field="value"
        )
    if len(same_kind) >= MAX_CONTACT_POINTS_PER_KIND:
        raise InvalidInput(
            f"a customer has at most {MAX_CONTACT_POINTS_PER_KIND} {_LIST_FIELD[kind]}",
            field="value",
        )
    points = [(kind, normalised, "value")]
    _refuse_taken(session, customer.client_id, points)
    now = clock.now()
    point = CustomerContactPoint(
        client_id=customer.client_id, kind=kind.value, value=normalised, created_at=now
    )
    customer.contact_points.append(point)
    customer.updated_at = now
    _flush_points(session, customer.client_id, points)
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        customer,
        clock=clock,
        detail={
            "fields": [_LIST_FIELD[kind]],
            "contact_point": "added",
            "contact_point_id": point.id,
        },
    )
    session.commit()
    return point


def remove_contact_point(
    session: Session, actor: Actor, customer_id: int, point_id: int, *, clock: Clock
) -> Customer:
    """Take a phone number or e-mail address off a customer."""
    identity_service.authorise(actor, Permission.WRITE_CUSTOMERS)
    customer = _customer_in_scope(session, actor, customer_id, for_update=True)
    point = next((point for point in customer.contact_points if point.id == point_id), None)
    if point is None:
        raise NotFound(f"customer {customer_id} has no contact point {point_id}", field="point_id")
    kind = ContactPointKind(point.kind)
    customer.contact_points.remove(point)
    customer.updated_at = clock.now()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        customer,
        clock=clock,
        detail={
            "fields": [_LIST_FIELD[kind]],
            "contact_point": "removed",
            "contact_point_id": point_id,
        },
    )
    session.commit()
    return customer


def get_customer(
    session: Session, actor: Actor, customer_id: int, *, clock: Clock, purpose: str
) -> Customer:
    """Read one customer's personal data, logging the read and its purpose (R-DATA-1)."""
    identity_service.authorise(actor, Permission.READ_CUSTOMERS)
    purpose = _clean_purpose(purpose)
    customer = _customer_in_scope(session, actor, customer_id)
    _audit(
        session,
        actor,
        AuditAction.READ,
        customer,
        clock=clock,
        detail={"purpose": purpose},
    )
    session.commit()
    return customer


def find_customers(
    session: Session,
    actor: Actor,
    *,
    client_id: int | None,
    phone: str | None = None,
    email: str | None = None,
    name_prefix: str | None = None,
    default_region: str | None = None,
    limit: int = 20,
    purpose: str = "search",
    clock: Clock,
) -> list[Customer]:
    """Customers of one client matching every criterion given; how intake recognises a caller.

    Phone and e-mail match the normalised contact point exactly; the name matches as a
    case-insensitive prefix. With no criterion, the client's customers by name. The search
    is one audited read naming the customers it returned (R-DATA-1).
    """
    identity_service.authorise(actor, Permission.READ_CUSTOMERS)
    if client_id is None:
        scope = identity_service.visible_client_ids(actor)
        if scope is None or len(scope) != 1:
            raise InvalidInput("say which client organisation to search", field="client_id")
        (client_id,) = scope
    identity_service.authorise(actor, Permission.READ_CUSTOMERS, client_id=client_id)
    client_id = identity_service.get_client(session, actor, client_id).id
    purpose = _clean_purpose(purpose)
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_SEARCH_LIMIT}", field="limit")

    query = select(Customer).where(Customer.client_id == client_id)
    criteria: list[str] = []
    for kind, raw in ((ContactPointKind.PHONE, phone), (ContactPointKind.EMAIL, email)):
        if raw is None:
            continue
        value = normalise_contact_point(kind, raw, default_region)
        criteria.append(kind.value)
        query = query.where(
            Customer.id.in_(
                select(CustomerContactPoint.customer_id).where(
                    CustomerContactPoint.client_id == client_id,
                    CustomerContactPoint.kind == kind.value,
                    CustomerContactPoint.value == value,
                )
            )
        )
    if name_prefix is not None:
        prefix = clean_text(name_prefix, "name_prefix", MAX_NAME_LENGTH)
        criteria.append("name_prefix")
        query = query.where(Customer.display_name.istartswith(prefix, autoescape=True))
    customers = list(
        session.scalars(query.order_by(Customer.display_name, Customer.id).limit(limit))
    )
    identity_service.record_audit(
        session,
        actor,
        action=AuditAction.READ,
        subject_type=SUBJECT_TYPE,
        subject_id=None,
        client_id=client_id,
        clock=clock,
        detail={
            "purpose": purpose,
            "criteria": criteria,
            "customer_ids": [customer.id for customer in customers],
        },
    )
    session.commit()
    return customers
