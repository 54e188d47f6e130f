"""Routing: pure matching of waiting contacts to agents, and wait-time estimates."""
