"""Live and historical figures of the centre: the supervisor live view (R-OPS-2, R-OPS-5)."""
