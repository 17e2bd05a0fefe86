"""Permissions the organisations app gives each role (merged by ``roles_sync``)."""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ORGANISATION: [],
    Role.EXPERT: [],
}
