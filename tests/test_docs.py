"""Docs kept with the code: every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [f"ENVBOT_{name.upper()}" for name in Settings.model_fields if f"ENVBOT_{name.upper()}" not in README]
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
