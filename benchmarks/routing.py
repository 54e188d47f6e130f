"""Routing benchmark (issue 3, item 8): part (a), the pure routing decision time."""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpline.contacts.rules import Channel
from helpline.routing.rules import (
    AvailableAgent,
    WaitingContact,
    plan_assignments,
)

# The mix: shares are rough figures for a multilingual European outsourcer.
LANGUAGE_SHARES: dict[str, float] = {"en": 0.40, "tr": 0.20, "ru": 0.15, "hu": 0.15, "vi": 0.10}
CHANNEL_SHARES: dict[Channel, float] = {
    Channel.VOICE: 0.55,
    Channel.CHAT: 0.30,
    Channel.EMAIL: 0.15,
}
FULL_CAPACITY: dict[Channel, int] = {Channel.VOICE: 1, Channel.CHAT: 3, Channel.EMAIL: 5}
# What an agent is staffed for: voice only, the written channels, or all three.
AGENT_PROFILES: tuple[tuple[tuple[Channel, ...], float], ...] = (
    ((Channel.VOICE,), 0.5),
    ((Channel.CHAT, Channel.EMAIL), 0.3),
    ((Channel.VOICE, Channel.CHAT, Channel.EMAIL), 0.2),
)
SKILL_COUNT = 30
CLIENT_COUNT = 5
NO_LANGUAGE_SHARE = 0.05  # contacts whose language is unknown match any agent
TRANSFERRED_SHARE = 0.10  # contacts re-queued after a transfer keep their arrival time
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Issue 3 acceptance: decision p99 <= 1 ms at 1,000 agents x 10,000 waiting.
TARGET_DECISION_P99_MS = 1.0
TARGET_AGENTS = 1000
TARGET_WAITING = 10_000


@dataclass(frozen=True, slots=True)
class Queue:
    queue_id: int
    client: int
    channels: tuple[Channel, ...]
    priority: int
    required_skills: dict[int, int]
    relax_after_seconds: int | None


@dataclass(frozen=True, slots=True)
class Scenario:
    queues: list[Queue]
    agents: list[AvailableAgent]
    contacts: list[WaitingContact]


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall time of one measured operation over many repetitions, in milliseconds."""

    name: str
    is_decision: bool  # one routing decision, the unit of the 1 ms target
    runs: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_assignments: float


@dataclass(frozen=True, slots=True)
class Machine:
    cpu: str
    cores: int
    python: str
    system: str
    load_average: str


def describe_machine() -> Machine:
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return Machine(
        cpu=cpu,
        cores=os.cpu_count() or 0,
        python=platform.python_version(),
        system=platform.platform(terse=True),
        load_average=load,
    )


def zipf_weights(count: int) -> list[float]:
    """Popularity 1/k: skill 1 is asked for twice as often as skill 2, thirty times skill 30."""
    return [1.0 / rank for rank in range(1, count + 1)]


def pick_distinct(
    rng: random.Random, population: Sequence[int], weights: Sequence[float], k: int
) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < k:
        item = rng.choices(population, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def build_scenario(
    rng: random.Random, *, agent_count: int, queue_count: int, contact_count: int
) -> Scenario:
    """Queues spread over clients, agents logged into some of their client's queues, a line."""
    skills = list(range(1, SKILL_COUNT + 1))
    skill_weights = zipf_weights(SKILL_COUNT)
    languages = list(LANGUAGE_SHARES)
    language_weights = list(LANGUAGE_SHARES.values())
    queues = []
    for queue_id in range(1, queue_count + 1):
        channel = rng.choices(list(CHANNEL_SHARES), list(CHANNEL_SHARES.values()))[0]
        # Some queues take chat and e-mail together, as a "written" queue would.
        channels = (
            (channel, Channel.EMAIL)
            if channel is Channel.CHAT and rng.random() < 0.3
            else (channel,)
        )
        required = pick_distinct(rng, skills, skill_weights, rng.randint(1, 2))
        queues.append(
            Queue(
                queue_id=queue_id,
                client=queue_id % CLIENT_COUNT,
                channels=channels,
                priority=rng.choices([0, 1, 2], [0.7, 0.2, 0.1])[0],
                required_skills={skill: rng.randint(1, 3) for skill in required},
                relax_after_seconds=rng.choice([None, 60, 120, 300]),
            )
        )
    queues_by_client: dict[int, list[Queue]] = {}
    for queue in queues:
        queues_by_client.setdefault(queue.client, []).append(queue)

    agents = []
    for agent_id in range(1, agent_count + 1):
        client_queues = queues_by_client[agent_id % CLIENT_COUNT]
        profile = rng.choices(
            [channels for channels, _ in AGENT_PROFILES], [share for _, share in AGENT_PROFILES]
        )[0]
        serveable = [queue for queue in client_queues if set(queue.channels) & set(profile)]
        logged_in = rng.sample(serveable, min(len(serveable), rng.randint(2, 5)))
        # Agents hold the skills of the queues they work, plus a few others.
        own_skills = {skill for queue in logged_in for skill in queue.required_skills}
        own_skills.update(pick_distinct(rng, skills, skill_weights, rng.randint(2, 6)))
        spoken = pick_distinct(
            rng, list(range(len(languages))), language_weights, rng.randint(1, 3)
        )
        agents.append(
            AvailableAgent(
                agent_id=agent_id,
                skills={skill: rng.randint(1, 5) for skill in own_skills},
                languages=frozenset(languages[index] for index in spoken),
                free_capacity={channel: FULL_CAPACITY[channel] for channel in profile},
                idle_since=NOW - timedelta(seconds=rng.uniform(0, 600)),
                queue_ids=frozenset(queue.queue_id for queue in logged_in),
            )
        )

    contacts = [
        make_contact(rng, contact_id, rng.choice(queues), languages, language_weights)
        for contact_id in range(1, contact_count + 1)
    ]
    return Scenario(queues=queues, agents=agents, contacts=contacts)


def make_contact(
    rng: random.Random,
    contact_id: int,
    queue: Queue,
    languages: list[str],
    language_weights: list[float],
) -> WaitingContact:
    arrived_at = NOW - timedelta(seconds=rng.uniform(0, 1800))
    queued_at = arrived_at
    if rng.random() < TRANSFERRED_SHARE:
        queued_at = arrived_at + (NOW - arrived_at) * rng.random()
    language = (
        None if rng.random() < NO_LANGUAGE_SHARE else rng.choices(languages, language_weights)[0]
    )
    return WaitingContact(
        contact_id=contact_id,
        queue_id=queue.queue_id,
        channel=rng.choice(queue.channels),
        priority=queue.priority,
        arrived_at=arrived_at,
        queued_at=queued_at,
        required_skills=queue.required_skills,
        language=language,
        relax_after_seconds=queue.relax_after_seconds,
    )


def measure(name: str, runs: int, call: Callable[[int], int], *, is_decision: bool) -> Timing:
    """Time `call(run)` for each run with perf_counter_ns; it returns how many it assigned."""
    for run in range(min(runs, 20)):  # warm caches before measuring
        call(run)
    gc.collect()
    durations_ns: list[int] = []
    assigned = 0
    for run in range(runs):
        started = time.perf_counter_ns()
        assigned += call(run)
        durations_ns.append(time.perf_counter_ns() - started)
    durations_ns.sort()
    return Timing(
        name=name,
        is_decision=is_decision,
        runs=runs,
        p50_ms=nearest_rank(durations_ns, 0.50) / 1e6,
        p99_ms=nearest_rank(durations_ns, 0.99) / 1e6,
        max_ms=durations_ns[-1] / 1e6,
        mean_assignments=assigned / runs,
    )


def nearest_rank(ordered: Sequence[int], share: float) -> int:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure_pure_routing(args: argparse.Namespace) -> list[Timing]:
    """Part (a): decision and full-plan times of the pure planner, no database."""
    rng = random.Random(args.seed)
    scenario = build_scenario(
        rng, agent_count=args.agents, queue_count=args.queues, contact_count=args.contacts
    )
    agents, contacts = scenario.agents, scenario.contacts
    languages, language_weights = list(LANGUAGE_SHARES), list(LANGUAGE_SHARES.values())
    freed = [rng.choice(agents) for _ in range(args.repeat)]
    arrivals = [
        make_contact(
            rng, args.contacts + 1 + run, rng.choice(scenario.queues), languages, language_weights
        )
        for run in range(args.repeat)
    ]
    return [
        measure(
            f"agent freed: 1 agent x {len(contacts):,} waiting",
            args.repeat,
            lambda run: len(plan_assignments(contacts, [freed[run]], NOW)),
            is_decision=True,
        ),
        measure(
            f"new arrival: 1 contact x {len(agents):,} agents",
            args.repeat,
            lambda run: len(plan_assignments([arrivals[run]], agents, NOW)),
            is_decision=True,
        ),
        measure(
            f"full plan: {len(agents):,} agents x {len(contacts):,} waiting",
            args.plan_repeat,
            lambda _run: len(plan_assignments(contacts, agents, NOW)),
            is_decision=False,
        ),
    ]


def format_table(timings: Sequence[Timing]) -> str:
    lines = [
        "| operation | runs | p50 ms | p99 ms | max ms | assignments per run |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines.extend(
        f"| {t.name} | {t.runs:,} | {t.p50_ms:.3f} | {t.p99_ms:.3f} | {t.max_ms:.3f} | "
        f"{t.mean_assignments:.1f} |"
        for t in timings
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=10_000, help="waiting contacts")
    parser.add_argument("--repeat", type=int, default=2000, help="runs per decision figure")
    parser.add_argument("--plan-repeat", type=int, default=30, help="runs of the full plan")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    if min(args.agents, args.queues, args.contacts, args.repeat, args.plan_repeat) < 1:
        parser.error("every count must be at least 1")
    if args.queues < CLIENT_COUNT:
        parser.error(f"--queues must be at least {CLIENT_COUNT}, one per client")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    machine = describe_machine()
    print(
        f"machine: {machine.cpu}, {machine.cores} cores, Python {machine.python}, {machine.system}"
    )
    print(f"load average at start: {machine.load_average}")
    print(
        f"scenario: {args.agents} agents, {args.queues} queues, {args.contacts} waiting, "
        f"seed {args.seed}"
    )
    print()
    print("(a) pure routing")
    timings = measure_pure_routing(args)
    print(format_table(timings))
    # Parts (b), intake to assignment through the service layer on SQLite and PostgreSQL,
    # and (c), PostgreSQL's single-row commit ceiling, join here as functions of their own
    # when the routing engine lands.
    decision_p99 = max(t.p99_ms for t in timings if t.is_decision)
    print()
    print(f"worst decision p99: {decision_p99:.3f} ms")
    if args.agents >= TARGET_AGENTS and args.contacts >= TARGET_WAITING:
        verdict = "met" if decision_p99 <= TARGET_DECISION_P99_MS else "NOT met"
        print(
            f"target decision p99 <= {TARGET_DECISION_P99_MS:g} ms at {TARGET_AGENTS:,} agents "
            f"x {TARGET_WAITING:,} waiting: {verdict}"
        )
    else:
        print("(smaller than the target's scale, so no verdict on the target)")


if __name__ == "__main__":
    main()
