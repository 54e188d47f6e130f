"""JSON routes of the routing domain: an agent's offers and the handling of its contacts."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.contacts.schemas import ContactOut
from helpline.routing import service as routing_service
from helpline.routing.schemas import OfferOut, TransferIn, WrapUpIn
from helpline.web.deps import ClockDep, CurrentActor, IdPath, SessionDep

router = APIRouter(tags=["routing"])


@router.get("/offers/mine", response_model=list[OfferOut])
def my_offers(actor: CurrentActor, session: SessionDep, clock: ClockDep) -> list[OfferOut]:
    """Your pending offers, oldest first; accept or reject each before it expires."""
    offers = routing_service.list_my_offers(session, actor, clock=clock)
    return [OfferOut.model_validate(offer) for offer in offers]


@router.post("/offers/{offer_id}/accept", response_model=ContactOut)
def accept_offer(
    offer_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactOut:
    """Take the offered contact (a callback: place the call)."""
    contact = routing_service.accept_offer(session, actor, offer_id, clock=clock)
    return ContactOut.model_validate(contact)


@router.post("/offers/{offer_id}/reject", response_model=OfferOut)
def reject_offer(
    offer_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> OfferOut:
    """Decline the offer: the contact goes back to its place, you to aux (missed)."""
    offer = routing_service.reject_offer(session, actor, offer_id, clock=clock)
    return OfferOut.model_validate(offer)


@router.post("/contacts/{contact_id}/transfer", response_model=ContactOut)
def transfer_contact(
    contact_id: IdPath, body: TransferIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactOut:
    """Transfer a contact you handle, with a note, to a queue or to an available agent."""
    contact = routing_service.transfer_contact(
        session,
        actor,
        contact_id,
        to_queue_id=body.to_queue_id,
        to_agent_id=body.to_agent_id,
        note=body.note,
        clock=clock,
    )
    return ContactOut.model_validate(contact)


@router.post("/contacts/{contact_id}/end", response_model=ContactOut)
def end_contact(
    contact_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactOut:
    """End the conversation; wrap-up follows."""
    contact = routing_service.end_contact(session, actor, contact_id, clock=clock)
    return ContactOut.model_validate(contact)


@router.post("/contacts/{contact_id}/wrap-up", response_model=ContactOut)
def wrap_up_contact(
    contact_id: IdPath, body: WrapUpIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactOut:
    """Close an ended contact with its reason and outcome (R-OPS-7)."""
    contact = routing_service.complete_wrap_up(
        session, actor, contact_id, reason=body.reason, outcome=body.outcome, clock=clock
    )
    return ContactOut.model_validate(contact)
