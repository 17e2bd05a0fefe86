"""A citizen takes an adaptive test on a phone in Chromium, reloads mid-test and finishes.

The page talks to the session's WebSocket, so the app runs under an ASGI server
(uvicorn in a thread of this process, sharing the test database).
"""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from tests.assessment.fixtures import (  # noqa: F401
    ORDER_KEY,
    adaptive_campaign,
    item_bank,
    ordering_campaign,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    import uvicorn

    from learning_platform.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws="websockets",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_adaptive_test_on_a_phone_with_a_reload(
    phone_page,
    asgi_server,
    adaptive_campaign,
    make_user,
    screenshot_dir,  # noqa: F811
):
    from django.test import Client

    from assessment.models import Response, Session

    user = make_user(username="citizen_phone")
    client = Client()
    client.force_login(user)
    page = phone_page
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": asgi_server,
            }
        ]
    )
    page.goto(f"{asgi_server}/assessment/c/{adaptive_campaign.pk}/")
    page.get_by_role("link", name=re.compile("开始|Start")).click()
    page.get_by_label(re.compile("我同意|I agree")).check()
    page.get_by_role("button", name=re.compile("开始测试|Start the test")).click()
    page.wait_for_selector("#delivery[data-connected='1']")
    assert page.viewport_size["width"] == 390

    def answer_one(expected_sequence: int) -> None:
        progress = page.locator("#progress")
        assert re.search(rf"\b{expected_sequence}\b", progress.inner_text())
        # option B, the key of every item, wherever this session shows it
        page.locator("label.option:has(input[value='B'])").click()
        page.locator("#submit").click()

    def wait_for_next(n: int) -> None:
        """Poll from Python: the page's CSP forbids the eval wait_for_function needs."""
        sequence = page.locator("input[name=sequence]")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if "/result/" in page.url:
                return
            try:
                if sequence.input_value(timeout=500) == str(n + 1):
                    return
            except Exception:  # navigating to the result page
                pass
            time.sleep(0.05)
        raise AssertionError(f"question {n + 1} did not appear")

    for n in (1, 2, 3):
        answer_one(n)
        wait_for_next(n)
    session = Session.objects.get(user=user)
    assert Response.objects.filter(session=session).count() == 3
    timer_before = page.locator("#timer").inner_text()
    page.screenshot(
        path=str(screenshot_dir / "assessment_phone_item.png"), full_page=True
    )

    page.reload()
    page.wait_for_selector("#delivery[data-connected='1']")
    assert re.search(r"\b4\b", page.locator("#progress").inner_text())
    assert (
        page.locator("#timer").inner_text() <= timer_before
    )  # the clock did not restart
    # keyboard: the options are real radio buttons reachable by Tab and Space
    page.locator("input[name=answer]").first.focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=answer]:checked").count() == 1

    n = 4
    while "/result/" not in page.url:
        answer_one(n)
        wait_for_next(n)
        n += 1
        assert n < 20
    page.wait_for_selector("#level-name")
    assert page.locator("#level-name").inner_text() == "熟练"
    assert page.get_by_text(re.compile("下一步学什么|What to learn next")).count() >= 1
    page.screenshot(
        path=str(screenshot_dir / "assessment_phone_result.png"), full_page=True
    )
    session.refresh_from_db()
    assert session.status == "finished" and session.n_answered == n - 1 == 8
    assert Response.objects.filter(session=session).count() == 8


def test_an_ordering_item_starts_shuffled_and_scores_through_the_ids_on_a_phone(
    phone_page,
    asgi_server,
    ordering_campaign,
    make_user,
    screenshot_dir,  # noqa: F811
):
    """The page shows the options in the session's order (never the key), keeps it
    across a reload, and the order the citizen sets is scored by option id."""
    from django.test import Client

    from assessment.models import Response, Session

    user = make_user(username="citizen_order")
    client = Client()
    client.force_login(user)
    page = phone_page
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": asgi_server,
            }
        ]
    )
    page.goto(f"{asgi_server}/assessment/c/{ordering_campaign.pk}/start/")
    page.get_by_label(re.compile("我同意|I agree")).check()
    page.get_by_role("button", name=re.compile("开始测试|Start the test")).click()
    page.wait_for_selector("#delivery[data-connected='1']")
    session = Session.objects.get(user=user)
    stored = [o["id"] for o in session.pending["payload"]["options"]]

    def shown() -> list[str]:
        selects = page.locator("select[name^=rank_]")
        out = []
        for k in range(selects.count()):
            select = selects.nth(k)
            name = select.get_attribute("name")[len("rank_") :]
            assert select.input_value() == str(k + 1)  # pre-selected: the order shown
            out.append(name)
        return out

    first = shown()
    assert first == stored and first != ORDER_KEY and sorted(first) == list("ABCDE")
    page.reload()
    page.wait_for_selector("#delivery[data-connected='1']")
    assert shown() == first  # the same order after a reload
    for rank, option in enumerate(ORDER_KEY, start=1):
        page.locator(f"select[name=rank_{option}]").select_option(str(rank))
    page.screenshot(
        path=str(screenshot_dir / "assessment_phone_ordering.png"), full_page=True
    )
    page.locator("#submit").click()
    # wait in the page (the test database is shared with the server): question 2 appears
    sequence = page.locator("input[name=sequence]")
    deadline = time.monotonic() + 15
    while sequence.input_value(timeout=2000) != "2":
        assert time.monotonic() < deadline, "question 2 did not appear"
        time.sleep(0.05)
    row = Response.objects.get(session=session, sequence=1)
    assert row.answer == ORDER_KEY and row.score == len(ORDER_KEY) - 1
    assert row.presented_order == first
