"""Every page of the app builds with no Reflex deprecation: what is deprecated in 0.10 breaks in
0.11 (for example a form control submitted by its ``id`` rather than its ``name``).

Reflex reports deprecations through its console, not Python's warnings (so ``filterwarnings =
error`` does not see them), and only once per process: the test records every call."""

from __future__ import annotations

import pytest
from reflex_base.utils import console

from stages_app.stages_app import PAGES


@pytest.fixture
def deprecations(monkeypatch):
    seen: list[str] = []

    def record(*, feature_name: str, reason: str, **_kwargs) -> None:
        seen.append(f"{feature_name}: {reason}")

    monkeypatch.setattr(console, "deprecate", record)
    return seen


@pytest.mark.parametrize(
    "route, page",
    [(route, page) for route, page, _t, _l in PAGES],
    ids=[route for route, *_ in PAGES],
)
def test_page_builds_without_deprecation(route, page, deprecations):
    component = page()
    assert component is not None
    component.render()
    assert deprecations == [], f"{route}: {deprecations}"
