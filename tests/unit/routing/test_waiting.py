"""Unit tests for the estimated wait time told to a waiting customer (R-INFO-3)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.errors import InvalidInput
from helpline.routing.waiting import estimate_wait_seconds, mean_handle_seconds


def test_wait_matches_a_hand_computation() -> None:
    """Third in line, 4 eligible agents, recent handle times 240, 300 and 360 s.

    AHT = (240 + 300 + 360) / 3 = 300 s; an agent frees up every 300 / 4 = 75 s on average;
    the third customer is served at the third release: 3 x 75 = 225 s.
    """
    assert estimate_wait_seconds(3, 4, [240, 300, 360], default_handle_seconds=180) == 225.0


def test_the_default_handle_time_stands_in_before_any_contact_is_finished() -> None:
    # 2 x 180 / 2 = 180 s
    assert estimate_wait_seconds(2, 2, [], default_handle_seconds=180) == 180.0
    assert mean_handle_seconds([], default_handle_seconds=180) == 180.0


def test_first_in_line_with_a_free_agent_waits_nothing() -> None:
    assert estimate_wait_seconds(1, 3, [300], default_handle_seconds=180, free_agent_count=1) == 0
    # Free agents serve the first places; the third customer waits for one release: 300 / 3.
    assert (
        estimate_wait_seconds(3, 3, [300], default_handle_seconds=180, free_agent_count=2) == 100.0
    )


def test_no_eligible_agent_means_no_estimate() -> None:
    """The channel must say it cannot estimate rather than invent a number."""
    assert estimate_wait_seconds(1, 0, [300], default_handle_seconds=180) is None
    assert estimate_wait_seconds(50, 0, [], default_handle_seconds=180) is None


@settings(max_examples=200, deadline=None)
@given(
    position=st.integers(min_value=1, max_value=500),
    agents=st.integers(min_value=1, max_value=200),
    handle=st.lists(st.floats(min_value=0, max_value=7200), max_size=30),
)
def test_wait_grows_with_position_and_shrinks_with_agents(
    position: int, agents: int, handle: list[float]
) -> None:
    here = estimate_wait_seconds(position, agents, handle, default_handle_seconds=180)
    behind = estimate_wait_seconds(position + 1, agents, handle, default_handle_seconds=180)
    more_staff = estimate_wait_seconds(position, agents + 1, handle, default_handle_seconds=180)
    assert here is not None and behind is not None and more_staff is not None
    assert 0 <= more_staff <= here <= behind
    aht = mean_handle_seconds(handle, default_handle_seconds=180)
    assert math.isclose(here, position * aht / agents, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("position", "agents", "free", "handle", "default", "field"),
    [
        (0, 2, 0, [300.0], 180.0, "position"),
        (1, -1, 0, [300.0], 180.0, "eligible_agent_count"),
        (1, 2, -1, [300.0], 180.0, "free_agent_count"),
        (1, 2, 3, [300.0], 180.0, "free_agent_count"),
        (1, 2, 0, [300.0, -1.0], 180.0, "recent_handle_seconds"),
        (1, 2, 0, [math.nan], 180.0, "recent_handle_seconds"),
        (1, 2, 0, [math.inf], 180.0, "recent_handle_seconds"),
        (1, 2, 0, [300.0], 0.0, "default_handle_seconds"),
        (1, 2, 0, [300.0], math.nan, "default_handle_seconds"),
    ],
)
def test_bad_figures_are_refused(
    position: int, agents: int, free: int, handle: list[float], default: float, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        estimate_wait_seconds(
            position, agents, handle, default_handle_seconds=default, free_agent_count=free
        )
    assert refused.value.field == field
