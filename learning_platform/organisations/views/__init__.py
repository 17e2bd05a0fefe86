"""Thin page views of the organisations app, one module per concern: ``register``,
``monitoring`` and ``space``."""
