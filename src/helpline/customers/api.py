"""JSON routes of the customers domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from helpline.customers import service as customer_service
from helpline.customers.rules import (
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_INPUT_LENGTH,
    MAX_PURPOSE_LENGTH,
    MAX_SEARCH_LIMIT,
)
from helpline.customers.schemas import (
    ContactPointIn,
    ContactPointOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep

router = APIRouter(tags=["customers"])

Purpose = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_PURPOSE_LENGTH,
        description="why the personal data is read; kept in the audit log",
    ),
]


@router.post("/customers", response_model=CustomerOut, status_code=201)
def create_customer(
    body: CustomerIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> CustomerOut:
    customer = customer_service.create_customer(
        session,
        actor,
        client_id=body.client_id,
        display_name=body.display_name,
        phones=body.phones,
        emails=body.emails,
        preferred_language=body.preferred_language,
        communication_needs=body.communication_needs,
        is_vulnerable=body.is_vulnerable,
        special_category_consent=body.special_category_consent,
        marketing_consent=body.marketing_consent,
        survey_opt_out=body.survey_opt_out,
        default_region=body.default_region,
        clock=clock,
    )
    return CustomerOut.model_validate(customer)


@router.get("/customers", response_model=list[CustomerOut])
def find_customers(
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    client_id: IdQuery = None,
    phone: Annotated[str | None, Query(max_length=MAX_PHONE_INPUT_LENGTH)] = None,
    email: Annotated[str | None, Query(max_length=MAX_EMAIL_LENGTH)] = None,
    name_prefix: Annotated[str | None, Query(max_length=MAX_NAME_LENGTH)] = None,
    default_region: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = 20,
    purpose: Purpose = "search",
) -> list[CustomerOut]:
    """Customers of one client by phone, e-mail or name prefix; client_id may be left out by
    users scoped to exactly one client."""
    customers = customer_service.find_customers(
        session,
        actor,
        client_id=client_id,
        phone=phone,
        email=email,
        name_prefix=name_prefix,
        default_region=default_region,
        limit=limit,
        purpose=purpose,
        clock=clock,
    )
    return [CustomerOut.model_validate(customer) for customer in customers]


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def read_customer(
    customer_id: IdPath,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    purpose: Purpose = "view",
) -> CustomerOut:
    customer = customer_service.get_customer(
        session, actor, customer_id, clock=clock, purpose=purpose
    )
    return CustomerOut.model_validate(customer)


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
def update_customer(
    customer_id: IdPath,
    body: CustomerPatch,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> CustomerOut:
    changes = customer_service.CustomerChanges(**body.model_dump(exclude_unset=True))
    customer = customer_service.update_customer(
        session, actor, customer_id, changes=changes, clock=clock
    )
    return CustomerOut.model_validate(customer)


@router.post(
    "/customers/{customer_id}/contact-points", response_model=ContactPointOut, status_code=201
)
def add_contact_point(
    customer_id: IdPath,
    body: ContactPointIn,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> ContactPointOut:
    point = customer_service.add_contact_point(
        session,
        actor,
        customer_id,
        kind=body.kind,
        value=body.value,
        default_region=body.default_region,
        clock=clock,
    )
    return ContactPointOut.model_validate(point)


@router.delete(
    "/customers/{customer_id}/contact-points/{point_id}", status_code=204, response_model=None
)
def remove_contact_point(
    customer_id: IdPath,
    point_id: IdPath,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    customer_service.remove_contact_point(session, actor, customer_id, point_id, clock=clock)
    return Response(status_code=204)
