"""Find the optional per-app modules (``permissions``, ``demo``) that apps may provide."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def app_module(app_name: str, module: str) -> ModuleType | None:
    """Import ``<app_name>.<module>``, or return None when the app has no such module.

    An import error inside the module itself still raises, so a broken module is
    never mistaken for a missing one.
    """
    name = f"{app_name}.{module}"
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
