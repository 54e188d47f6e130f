"""JSON routes of the queues domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["queues"])
