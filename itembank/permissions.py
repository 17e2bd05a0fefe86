"""Permissions the item bank gives each role (merged by ``roles_sync``).

Authors write drafts and submit them to the review workflow but cannot publish. The
content, language/fairness and psychometric reviewers each approve their own step of the
workflow or send the item back with a comment (``itembank.workflows``); the last approval
publishes, so no reviewer needs the publish permission. Researchers manage parameter sets
and may activate one; their publish permission lets them unpublish an item (publishing
itself goes only through the review). All of these see answer keys in exports
(``view_item_key``); no other role does.
"""

from learning_platform.accounts.roles import Role

_VIEW = [
    "itembank.view_item",
    "itembank.view_domain",
    "itembank.view_itemparameterset",
    "itembank.view_item_key",
]

ROLE_PERMISSIONS = {
    Role.ITEM_AUTHOR: [
        *_VIEW,
        "itembank.add_item",
        "itembank.change_item",
        "itembank.lock_item",
    ],
    Role.ITEM_REVIEWER: [*_VIEW, "itembank.change_item", "itembank.lock_item"],
    Role.ITEM_FAIRNESS_REVIEWER: [*_VIEW, "itembank.change_item", "itembank.lock_item"],
    Role.ITEM_PSYCHOMETRIC_REVIEWER: [
        *_VIEW,
        "itembank.change_item",
        "itembank.lock_item",
    ],
    Role.RESEARCHER: [
        *_VIEW,
        "itembank.add_item",
        "itembank.change_item",
        "itembank.publish_item",
        "itembank.lock_item",
        "itembank.unlock_item",
        "itembank.add_itemparameterset",
        "itembank.change_itemparameterset",
        "itembank.activate_parameterset",
        "itembank.change_domain",
        "itembank.add_domain",
        "itembank.view_blueprint",
        "itembank.add_blueprint",
        "itembank.change_blueprint",
    ],
}
