"""A real headless Chromium (the distribution's package) driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (or CHROMIUM_PATH).
Without it the browser tests skip with the reason, except in CI, where they must run."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium not installed at {CHROMIUM} (bash scripts/install-chromium installs it)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """A headless Chromium for one test."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run the browser tests)")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def phone(browser) -> AsyncIterator[object]:  # noqa: ANN001
    """A page the size of a phone (375 × 740, touch, zh-CN)."""
    context = await browser.new_context(viewport={"width": 375, "height": 740},
                                        device_scale_factor=2, is_mobile=True,
                                        has_touch=True, locale="zh-CN")
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def desktop(browser) -> AsyncIterator[object]:  # noqa: ANN001
    """A desktop page (1280 × 800, zh-CN)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                        locale="zh-CN")
    page = await context.new_page()
    yield page
    await context.close()


async def axe_violations(page) -> list[dict]:  # noqa: ANN001
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [v for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]
