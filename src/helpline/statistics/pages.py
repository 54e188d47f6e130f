"""The supervisor live view: queues and agents now, pushed over SSE (R-OPS-2, R-OPS-5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from time import monotonic

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from helpline.clock import Clock
from helpline.errors import DomainError
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor
from helpline.statistics import queries as statistics_queries
from helpline.web.deps import ClockDep, IdQuery, PageActor, SessionDep
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)

BOARD_TEMPLATE = "statistics/_board.html"
CHECK_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0


def board_html(
    environment: Environment,
    session: Session,
    actor: Actor,
    *,
    clock: Clock,
    client_id: int | None,
) -> str:
    """Both tables of the live view as HTML; the agents table only for who may see agents."""
    board = statistics_queries.supervisor_board(session, actor, clock=clock, client_id=client_id)
    return environment.get_template(BOARD_TEMPLATE).render(
        queues=board.queues, agents=board.agents, now=board.at
    )


def _fresh_board_html(
    environment: Environment,
    session_factory: sessionmaker[Session],
    actor: Actor,
    clock: Clock,
    client_id: int | None,
) -> str:
    # Runs in a worker thread: its own session, closed each time, so no transaction stays open.
    # The user is read again each time: a deactivated account or a new role ends the stream.
    session = session_factory()
    try:
        if actor.user_id is not None:
            actor = identity_service.actor_for_user_id(session, actor.user_id)
        return board_html(environment, session, actor, clock=clock, client_id=client_id)
    finally:
        session.close()


def sse_event(name: str, data: str) -> str:
    """One server-sent event; every line of the data gets its own `data:` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n"


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    client_id: IdQuery = None,
) -> Response:
    board = board_html(
        request.app.state.templates.env, session, actor, clock=clock, client_id=client_id
    )
    stream = "/supervisor/stream" + (f"?client_id={client_id}" if client_id else "")
    return render(request, "statistics/supervisor.html", actor, board=board, stream_url=stream)


@router.get("/supervisor/stream")
async def supervisor_stream(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    client_id: IdQuery = None,
) -> StreamingResponse:
    """`event: board` with both tables at once and on every change, a heartbeat every 15 s."""
    # The request's session (which found the actor) would otherwise stay open as long as the
    # stream, and its read transaction keeps SQLite writers out ("database is locked").
    session.rollback()
    session.close()
    fresh = partial(
        _fresh_board_html,
        request.app.state.templates.env,
        request.app.state.session_factory,
        actor,
        clock,
        client_id,
    )
    # Computed before the stream starts, so a refusal is an ordinary 403 and not a stream.
    first = await anyio.to_thread.run_sync(fresh)

    async def events() -> AsyncIterator[str]:
        last = first
        yield sse_event("board", first)
        heartbeat_due = monotonic() + HEARTBEAT_SECONDS
        while not await request.is_disconnected():
            await anyio.sleep(CHECK_SECONDS)
            try:
                html = await anyio.to_thread.run_sync(fresh)
            except DomainError:
                return  # signed out, deactivated or no longer allowed: end the stream
            if html != last:
                last = html
                yield sse_event("board", html)
            if monotonic() >= heartbeat_due:
                heartbeat_due = monotonic() + HEARTBEAT_SECONDS
                yield ": heartbeat\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
