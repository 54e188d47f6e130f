"""Callbacks: the centre's promise to call a customer back, keeping their place (R-ACCESS-3/4)."""
