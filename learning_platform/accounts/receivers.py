from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps

from learning_platform.accounts.services import roles_sync


def sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """Attach permissions to the role groups once the last app has migrated."""
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not with_models[-1]:
        return

    roles_sync(using=kwargs.get("using", "default"))
