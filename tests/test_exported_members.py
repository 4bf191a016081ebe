"""Each package exports a short explicit ``__all__`` whose names exist (httpx style)."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest


@pytest.mark.parametrize("package", ["core", "store", "knowledge", "handlers"])
def test_all_names_exist(package: str) -> None:
    mod = importlib.import_module(package)
    assert mod.__all__, package
    for name in mod.__all__:
        assert hasattr(mod, name), f"{package}.{name}"
    assert sorted(mod.__all__, key=str.lower) == sorted(set(mod.__all__), key=str.lower)


@pytest.mark.parametrize(
    ("package", "banned"),
    [
        ("handlers", ("wechatpy", "fastapi", "starlette", "bot")),
        ("knowledge", ("wechatpy", "fastapi", "starlette", "bot", "handlers")),
        ("store", ("wechatpy", "fastapi", "bot", "handlers", "knowledge")),
        ("core", ("wechatpy", "fastapi", "bot", "handlers", "knowledge", "store", "sqlalchemy")),
    ],
)
def test_dependencies_point_one_way(package: str, banned: tuple[str, ...]) -> None:
    root = pathlib.Path(__file__).resolve().parents[1] / package
    for path in root.rglob("*.py"):
        text = path.read_text("utf-8")
        for mod in banned:
            pattern = rf"^\s*(from|import)\s+{mod}(\.|\s|$)"
            assert not re.search(pattern, text, re.M), f"{package}/{path.name} imports {mod}"
