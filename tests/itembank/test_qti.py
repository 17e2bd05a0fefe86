"""QTI 3.0 content package: round trip, and hostile XML refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from itembank.models import Item
from itembank.payloads import build_payload
from itembank.qti import export_package, import_package

pytestmark = pytest.mark.django_db


def _snapshot(item):
    opts = list(item.options.all())
    return (item.kind, item.scoring, item.domain.code, item.stem, item.stem_en,
            [(o.option_id, o.text, o.text_en, o.is_key, o.key_position) for o in opts],
            build_payload(item, opts)["options"])


def test_round_trip_gives_back_the_same_items(make_item):
    items = [make_item(kind=k, stem_en="<p>Stem</p>") for k in
             ("single_choice", "true_false", "multiple_response", "ordered", "likert")]
    before = {i.code: _snapshot(i) for i in items}
    package = export_package(items)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert "imsmanifest.xml" in zf.namelist()
        assert b"qti-choice-interaction" in zf.read(f"items/{items[0].code}.xml")
        assert b"qti-correct-response" not in zf.read(f"items/{items[4].code}.xml")
    Item.objects.all().delete()
    imported = import_package(package)
    assert {i.code: _snapshot(i) for i in imported} == before


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><manifest>&lol2;</manifest>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM '
                       b'"file:///etc/passwd">]><manifest>&xxe;</manifest>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused(domains, name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("imsmanifest.xml", HOSTILE[name])
    with translation.override("en"), pytest.raises(ValidationError, match="hostile"):
        import_package(buf.getvalue())
    with pytest.raises(ValidationError, match="不安全的 XML"):   # and in Chinese by default
        import_package(buf.getvalue())
    assert not Item.objects.exists()


def test_not_a_package_is_refused(domains):
    with pytest.raises(ValidationError):
        import_package(b"not a zip")


def test_admin_export_and_import_of_a_package(make_item, client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from learning_platform.accounts.services import roles_sync

    roles_sync()
    make_item(code="Q-1")
    client.force_login(make_user("researcher"))
    package = client.get("/admin/itembank/export/qti/").content
    Item.objects.all().delete()
    client.post("/admin/itembank/import/", {"file": SimpleUploadedFile("p.zip", package)})
    assert Item.objects.filter(code="Q-1").exists()
