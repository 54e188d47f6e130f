"""Checks on free-text fields that every domain applies the same way."""

from __future__ import annotations

from helpline.errors import InvalidInput


def clean_text(value: str, field: str, max_length: int, *, allow_empty: bool = False) -> str:
    """Strip the value and refuse it when empty (unless allowed) or longer than `max_length`."""
    cleaned = value.strip()
    label = field.replace("_", " ")
    if not cleaned and not allow_empty:
        raise InvalidInput(f"{label} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{label} must have at most {max_length} characters", field=field)
    if any(ord(char) < 32 and char not in "\n\r\t" for char in cleaned):
        raise InvalidInput(f"{label} must not contain control characters", field=field)
    return cleaned
