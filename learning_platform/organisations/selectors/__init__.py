"""What reads in the organisations app, one module per concern: ``register``, ``monitoring``
(and its results) and ``space``."""
