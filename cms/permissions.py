"""Role permissions of the cms app (page permissions are granted in ``services``)."""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.RESEARCHER: [
        "wagtailadmin.access_admin",
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
    ],
}
