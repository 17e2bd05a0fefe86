"""District documents and signed letters live outside /media/ and leave only through checked views."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve

from learning_platform.indicators import services
from tests.indicators.test_documents_views import PDF, fields, indicators, pdf  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_document_is_stored_outside_media_and_not_served_from_it(
    client, framework, staff, hp, indicators
):  # noqa: F811
    doc = services.document_save(
        user=staff["stat"], district=hp, fields=fields(indicators), main_file=pdf()
    )
    row = doc.files.get()
    stored = Path(row.file.path).resolve()
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    with pytest.raises(ValueError):
        row.file.url  # noqa: B018 - a private file has no public URL
    # What DEBUG's /media/ route (or a web server's alias of MEDIA_ROOT) would answer:
    request = RequestFactory().get("/media/" + row.file.name)
    with pytest.raises(Http404):
        serve(request, row.file.name, document_root=settings.MEDIA_ROOT)
    # Anonymous visitors and other districts get nothing from the checked route ...
    url = reverse("indicators:document_file", args=[row.pk])
    assert client.get(url).status_code in (302, 404)
    client.force_login(staff["stat_xh"])
    assert client.get(url).status_code == 404
    # ... which still serves the district's own statistician.
    client.force_login(staff["stat"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_in_production_the_checked_route_hands_the_file_to_nginx(
    client, settings, framework, staff, hp, indicators
):  # noqa: F811
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/protected/"
    doc = services.document_save(
        user=staff["stat"],
        district=hp,
        fields=fields(indicators),
        main_file=pdf("年报.pdf"),
    )
    row = doc.files.get()
    client.force_login(staff["stat"])
    response = client.get(reverse("indicators:document_file", args=[row.pk]))
    assert response.status_code == 200
    # nginx percent-decodes the URI before it looks the file up.
    assert response["X-Accel-Redirect"] == "/protected/" + quote(row.file.name)
    assert response.content == b""
    assert "attachment" in response["Content-Disposition"]


def test_the_migration_moves_existing_files_out_of_media(
    framework, staff, hp, indicators
):  # noqa: F811
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "learning_platform.indicators.migrations.0003_private_storage_for_documents_and_letters"
    )
    doc = services.document_save(
        user=staff["stat"], district=hp, fields=fields(indicators), main_file=pdf()
    )
    row = doc.files.get()
    # given: the file where the old code kept it, under MEDIA_ROOT
    private = storages["private"]
    with private.open(row.file.name, "rb") as handle:
        default_storage.save(row.file.name, handle)
    private.delete(row.file.name)
    # when
    migration.move_files_to_private_storage(apps, None)
    migration.move_files_to_private_storage(apps, None)  # a second run changes nothing
    # then
    assert private.exists(row.file.name)
    assert not default_storage.exists(row.file.name)
