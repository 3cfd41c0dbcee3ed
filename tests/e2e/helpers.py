"""Helpers for the real-browser tests: browser settings, accessibility check, screenshots."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

# Debian's `chromium` package: Playwright's own browser download is never used.
# The live pages' fallback timer in the browser tests (STAGES_LIVE_FALLBACK_S): longer than any
# journey, so a page that changes by itself was updated by a push from the server.
E2E_LIVE_FALLBACK_S = 900
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 844}
PHONE_CONTEXT_ARGS = {
    "viewport": PHONE_VIEWPORT,
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# axe impacts that fail a test; "minor" and "moderate" ones are only reported in the artifact.
BLOCKING_IMPACTS = ("serious", "critical")

_axe: Axe | None = None


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page to ``test-artifacts/<name>.png`` and return its path."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def accessibility_violations(page: Page, context: str | dict | None = None) -> list[dict]:
    """Every axe-core violation on the current page (all impacts)."""
    global _axe
    if _axe is None:
        _axe = Axe()
    results = _axe.run(page, context=context)
    return results.response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page, name: str, context: str | dict | None = None) -> None:
    """Fail listing every axe violation of impact serious or critical on the current page.

    The full report (all impacts) is written to ``test-artifacts/a11y-<name>.txt``.
    """
    violations = accessibility_violations(page, context)
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    report = ARTIFACTS_DIR / f"a11y-{_slug(name)}.txt"
    report.write_text(
        f"{page.url}\n\n{format_violations(violations) or 'no violations'}\n", encoding="utf-8"
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"{name}: {len(blocking)} serious/critical accessibility violation(s) on {page.url}\n"
        + format_violations(blocking)
    )


def url(path: str, query: str = "") -> re.Pattern[str]:
    """A page URL, with or without the trailing slash the static server may add."""
    return re.compile(re.escape(path) + r"/?" + query + "$")


def sign_in(page: Page, email: str, *, password: str) -> None:
    """Log in through the real login page."""
    from playwright.sync_api import expect

    page.goto("/connexion")
    expect(page.get_by_role("heading", level=1, name="Se connecter")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@dataclasses.dataclass(kw_only=True)
class Journey:
    """State shared by the ordered steps of one journey module: one browser context per person,
    and the steps done so far (a step is skipped when an earlier one failed)."""

    browser: Browser
    context_args: dict
    contexts: list[BrowserContext] = dataclasses.field(default_factory=list)
    pages: dict[str, Page] = dataclasses.field(default_factory=dict)
    done: set[str] = dataclasses.field(default_factory=set)

    def page_for(self, who: str) -> Page:
        """The person's page, in a browser context of their own (created on first use)."""
        if who not in self.pages:
            context = self.browser.new_context(**self.context_args)
            self.contexts.append(context)
            self.pages[who] = context.new_page()
        return self.pages[who]

    def after(self, step: str) -> None:
        if step not in self.done:
            import pytest

            pytest.skip(f"the earlier step {step!r} did not pass")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
