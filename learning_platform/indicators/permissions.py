"""Permissions of the indicators app (merged by ``roles_sync``); object access is in selectors."""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS = {
    Role.RESEARCHER: ["indicators.view_submission", "indicators.view_document"],
    Role.DISTRICT_STATISTICIAN: [
        "indicators.view_submission",
        "indicators.change_submission",
        "indicators.view_document",
        "indicators.add_document",
    ],
    Role.DISTRICT_LIAISON: [
        "indicators.view_submission",
        "indicators.view_document",
        "indicators.add_document",
    ],
    Role.DISTRICT_HEAD: [
        "indicators.view_submission",
        "indicators.view_document",
        "indicators.add_document",
    ],
    Role.DISTRICT_OFFICER: ["indicators.view_submission"],
}
