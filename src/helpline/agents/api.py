"""JSON routes of the agents domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["agents"])
