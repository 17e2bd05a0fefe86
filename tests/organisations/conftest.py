from __future__ import annotations

import io

import pytest


@pytest.fixture
def hp(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def xh(districts):
    return next(d for d in districts if d.code == "310104")


@pytest.fixture
def org_factory(hp):
    from learning_platform.organisations.models import Organisation

    counter = {"n": 0}

    def _make(*, district=None, kind="community", users=(), **kwargs):
        counter["n"] += 1
        n = counter["n"]
        org = Organisation.objects.create(
            kind=kind, name=kwargs.pop("name", f"测试组织{n}"), district=district or hp,
            slug=kwargs.pop("slug", f"org-{n}"), street=kwargs.pop("street", "外滩街道"), **kwargs)
        org.users.add(*users)
        return org

    return _make


@pytest.fixture
def png_bytes():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()
