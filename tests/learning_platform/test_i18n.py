"""The citizen-facing shell is Simplified Chinese first, with English on request."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_login_page_speaks_chinese_by_default(client):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in body
    assert "市民终身学习监测" in body
    assert "用户名" in body


def test_login_page_in_english_when_asked(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "Citizen lifelong-learning monitoring" in body
    assert "用户名" not in body


def test_api_errors_are_translated(client):
    response = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "请先登录。",
        "errors": [],
    }
