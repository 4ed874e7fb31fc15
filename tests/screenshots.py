"""Where the browser tests' screenshots go (``test-output/screenshots/``), made one way."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def shot_of(locator: Locator, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path
