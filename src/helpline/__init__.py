"""Helpline: an open-source customer contact centre platform."""

__version__ = "0.1.0"
