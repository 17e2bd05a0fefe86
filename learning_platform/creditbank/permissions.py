"""Permissions the credit bank gives each role (merged by ``roles_sync``).

Object-level access (own account, own entries, own district) is decided in
``selectors``; these permissions open the Django admin screens and the routes.
"""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS = {
    Role.INSTITUTION: [
        "creditbank.add_learningoutcome",
        "creditbank.view_learningoutcome",
        "creditbank.view_conversionrule",
    ],
    Role.RESEARCHER: [
        "creditbank.view_conversionrule",
        "creditbank.view_account_counts",
    ],
    Role.DISTRICT_OFFICER: ["creditbank.view_account_counts"],
    Role.DISTRICT_STATISTICIAN: ["creditbank.view_account_counts"],
    Role.DISTRICT_LIAISON: ["creditbank.view_account_counts"],
    Role.DISTRICT_HEAD: ["creditbank.view_account_counts"],
}
