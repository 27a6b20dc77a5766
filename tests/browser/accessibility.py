"""Accessibility smoke check: axe-core's serious and critical findings, plus our own basics."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import AXE


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if page.locator("h1").count() != 1:
        found.append("page must have exactly one h1")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    found.extend(f"input without a label: {name}" for name in unlabelled)
    missing_alt = page.locator("img:not([alt])").count()
    if missing_alt:
        found.append(f"{missing_alt} images without alt text")
    return found
