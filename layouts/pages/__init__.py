"""Dash Pages: one module per page, each with ``layout(**query)`` and ``register_callbacks(app)``."""
