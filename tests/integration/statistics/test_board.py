"""The live view's figures: waiting, longest and estimated wait, agents by state, scope."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import FixedClock
from helpline.contacts.rules import Channel, ContactStatus
from helpline.errors import PermissionDenied
from helpline.identity.rules import Role
from helpline.statistics import queries as statistics_queries
from tests.support.factories import SYSTEM, make_user
from tests.support.statistics import Centre, build_centre


@pytest.fixture
def centre(session: Session, clock: FixedClock) -> Centre:
    return build_centre(session, clock)


def test_queue_board_counts_the_line_and_the_agents(
    session: Session, clock: FixedClock, centre: Centre
) -> None:
    board = statistics_queries.queue_board(session, centre.supervisor_a, clock=clock)
    assert [row.code for row in board] == ["acme-chat", "acme-voice"]
    chat, voice = board
    assert (voice.waiting, voice.longest_wait_seconds) == (2, 300.0)
    assert (voice.available, voice.busy, voice.wrap_up, voice.aux) == (1, 1, 0, 1)
    assert voice.logged_in == 3
    # A new arrival is third; one agent is free; two could take it; 240 s handle time.
    assert voice.estimated_wait_seconds == pytest.approx(240.0)
    assert (chat.waiting, chat.longest_wait_seconds) == (1, 60.0)
    assert chat.logged_in == 0
    assert chat.estimated_wait_seconds is None  # nobody logged in: no estimate


def test_queue_board_without_a_line_has_no_longest_wait(
    session: Session, clock: FixedClock, centre: Centre
) -> None:
    board = statistics_queries.queue_board(
        session, SYSTEM, clock=clock, client_id=centre.client_b.id
    )
    assert [row.code for row in board] == ["other-voice"]
    assert board[0].waiting == 0
    assert board[0].longest_wait_seconds is None
    # One free agent, nobody ahead: a new arrival is served at once.
    assert board[0].estimated_wait_seconds == 0.0


def test_estimated_wait_uses_the_channel_default_without_recent_handle_times(
    session: Session, clock: FixedClock, centre: Centre
) -> None:
    clock.advance(3600)  # the handled contact ended more than an hour ago now
    voice = next(
        row
        for row in statistics_queries.queue_board(session, centre.supervisor_a, clock=clock)
        if row.code == "acme-voice"
    )
    assert voice.longest_wait_seconds == 3900.0
    assert voice.estimated_wait_seconds == pytest.approx(2 * 300.0 / 2)  # voice default 300 s


def test_agent_board_shows_state_time_queues_and_contacts(
    session: Session, clock: FixedClock, centre: Centre
) -> None:
    board = statistics_queries.agent_board(session, centre.supervisor_a, clock=clock)
    by_name = {row.display_name: row for row in board}
    assert set(by_name) == {"Ayla", "Berk", "Cem"}  # Deniz serves client B only
    assert by_name["Ayla"].state is PresenceState.AVAILABLE
    assert by_name["Ayla"].seconds_in_state == 600.0
    assert by_name["Ayla"].contacts == ()
    assert by_name["Berk"].state is PresenceState.BUSY
    assert by_name["Berk"].queue_codes == ("acme-voice",)
    [held] = by_name["Berk"].contacts
    assert (held.reference, held.channel, held.status) == (
        centre.handled.reference,
        Channel.VOICE,
        ContactStatus.ENDED,
    )
    assert by_name["Cem"].state is PresenceState.AUX
    assert by_name["Cem"].aux_reason is AuxReason.BREAK
    assert by_name["Cem"].seconds_in_state == 360.0


def test_supervisor_of_a_sees_only_a(session: Session, clock: FixedClock, centre: Centre) -> None:
    codes = {row.code for row in statistics_queries.queue_board(session, SYSTEM, clock=clock)}
    assert {"acme-voice", "acme-chat", "other-voice"} <= codes
    scoped = statistics_queries.queue_board(session, centre.supervisor_a, clock=clock)
    assert {row.client_id for row in scoped} == {centre.client_a.id}
    with pytest.raises(PermissionDenied):
        statistics_queries.queue_board(
            session, centre.supervisor_a, clock=clock, client_id=centre.client_b.id
        )
    with pytest.raises(PermissionDenied):
        statistics_queries.agent_board(
            session, centre.supervisor_a, clock=clock, client_id=centre.client_b.id
        )


def test_client_viewer_sees_its_queues_but_not_agents(
    session: Session, clock: FixedClock, centre: Centre
) -> None:
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[centre.client_b])
    board = statistics_queries.queue_board(session, viewer, clock=clock)
    assert [row.code for row in board] == ["other-voice"]
    with pytest.raises(PermissionDenied):
        statistics_queries.agent_board(session, viewer, clock=clock)


@pytest.mark.parametrize("role", [Role.QUALITY, Role.PLANNER, Role.ADMIN])
def test_other_back_office_roles_see_the_board(
    session: Session, clock: FixedClock, centre: Centre, role: Role
) -> None:
    scope = [] if role is Role.ADMIN else [centre.client_a]
    _, actor = make_user(session, clock, role, clients=scope)
    assert len(statistics_queries.queue_board(session, actor, clock=clock)) >= 2
    assert len(statistics_queries.agent_board(session, actor, clock=clock)) >= 3


def test_an_agent_is_refused(session: Session, clock: FixedClock, centre: Centre) -> None:
    with pytest.raises(PermissionDenied):
        statistics_queries.queue_board(session, centre.agent_actor, clock=clock)
    with pytest.raises(PermissionDenied):
        statistics_queries.agent_board(session, centre.agent_actor, clock=clock)
