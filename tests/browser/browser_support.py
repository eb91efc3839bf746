"""Helpers for the browser tests."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# aliases and spellings of the bundled corpus's actors a reader may search for, and the page each must find
ALIASES = [
    ("Nusra", "actors/hts/"),
    ("Daesh", "actors/isis/"),
    ("Jolani", "actors/abu-muhammad-al-julani/"),
    ("MIT", "actors/turkish-intelligence/"),
    ("Erdogan", "actors/recep-tayyip-erdogan/"),
    ("Qurashi", "actors/abu-al-hussein-al-qurashi/"),
]


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
