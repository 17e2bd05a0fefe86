from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from learning_platform import start
from learning_platform.api import api, api_not_found

urlpatterns = [
    path("api/v1/", api.urls),
    # Unknown API paths answer the API's JSON error, not the site's HTML 404.
    re_path(r"^api/v1/", api_not_found),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Without a ?next= the login goes to the role's start page.
    path(
        "accounts/login/", auth_views.LoginView.as_view(next_page="start"), name="login"
    ),
    path("start/", start.start, name="start"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Each app's own pages and downloads, under a prefix of its own.
    path("itembank/", include("itembank.urls")),
    path("assessment/", include("assessment.urls")),
    path("survey/", include("assessment.survey.urls")),
    path("reports/", include("cms.urls")),
    path("creditbank/", include("learning_platform.creditbank.urls")),
    path("indicators/", include("learning_platform.indicators.urls")),
    path("organisations/", include("learning_platform.organisations.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path from the page tree; keep it last.
urlpatterns += [path("", include(wagtail_urls))]
