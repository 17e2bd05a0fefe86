"""The Django project of the citizen lifelong-learning assessment platform."""
