"""JSON routes of the contacts domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["contacts"])
