"""Reading values typed into page forms: refused with a message, never a 500."""

from __future__ import annotations

from helpline.errors import InvalidInput
from helpline.web.deps import MAX_ID


def whole_number(text: str, field: str) -> int:
    """A required whole number typed into a form, within the range a database id allows."""
    cleaned = text.strip()
    label = field.replace("_", " ")
    if not cleaned:
        raise InvalidInput(f"{label} is required", field=field)
    digits = cleaned.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        raise InvalidInput(f"{label} must be a whole number", field=field)
    number = int(cleaned)
    if abs(number) > MAX_ID:
        raise InvalidInput(f"{label} is out of range", field=field)
    return number


def level_pairs(
    codes: list[str], levels: list[str], *, field: str, level_field: str
) -> list[tuple[str, int]]:
    """One row per catalogue skill with its level; a blank level leaves the skill out."""
    if len(codes) != len(levels):
        raise InvalidInput("each skill needs a level field", field=field)
    return [
        (code, whole_number(level, level_field))
        for code, level in zip(codes, levels, strict=True)
        if level.strip()
    ]
