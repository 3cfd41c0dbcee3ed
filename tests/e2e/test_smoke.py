"""The app starts, its home page renders in a real browser, talks to the backend and is
accessible."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


def test_home_page_shows_the_app_name(page: Page):
    with page.expect_websocket(lambda ws: "/_event" in ws.url) as ws_info:
        page.goto("/")
    expect(page.get_by_text("Stages 3e").first).to_be_visible()
    page.wait_for_timeout(500)
    assert not ws_info.value.is_closed(), "the page lost its event websocket to the backend"
    assert_accessible(page, "home")
    screenshot(page, "home")


def test_home_page_on_a_phone(phone_page: Page):
    phone_page.goto("/")
    expect(phone_page.get_by_text("Stages 3e").first).to_be_visible()
    assert_accessible(phone_page, "home-phone")
    screenshot(phone_page, "home-phone")
