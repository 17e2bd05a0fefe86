"""Permissions test delivery gives each role (merged by ``roles_sync``).

Citizens need none: their own sessions are reached through selectors that scope by
user. Researchers manage instruments and campaigns and read sessions.
"""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS = {
    Role.RESEARCHER: [
        "assessment.view_instrument",
        "assessment.add_instrument",
        "assessment.change_instrument",
        "assessment.view_multistagepanel",
        "assessment.add_multistagepanel",
        "assessment.change_multistagepanel",
        "assessment.delete_multistagepanel",
        "assessment.view_campaign",
        "assessment.add_campaign",
        "assessment.change_campaign",
        "assessment.view_invitation",
        "assessment.add_invitation",
        "assessment.view_session",
        "assessment.view_result",
    ],
}
