"""Each package exports a short explicit ``__all__`` whose names exist (httpx style)."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

DOMAINS = ["handlers.complaints", "handlers.incidents", "handlers.hazards", "handlers.roster", "handlers.statistics"]
SOURCE = ["bot", "handlers", "knowledge", "store", "core"]
ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["core", "store", "store.models", "knowledge", "handlers", *DOMAINS])
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


_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


def _inner_imports(own: str, text: str) -> list[str]:
    """Modules the source ``text`` of module ``own`` imports that are inner modules of another package."""
    bad = []
    for m in _IMPORT.finditer(text):
        module = m.group(1) or m.group(2)
        for surface in ("store", "knowledge", *DOMAINS):
            inside = own == surface or own.startswith(surface + ".")
            if module.startswith(surface + ".") and not inside:
                bad.append(module)
    return bad


def test_no_package_imports_another_ones_inner_module() -> None:
    """Outside ``store``, ``knowledge`` and each domain package, only the package itself is imported."""
    offenders = {}
    for top in [*SOURCE, "bench"]:
        for path in (ROOT / top).rglob("*.py"):
            found = _inner_imports(".".join(path.relative_to(ROOT).with_suffix("").parts), path.read_text("utf-8"))
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_inner_import_check_can_fail() -> None:
    text = "from handlers.hazards.sheet import import_sheet\n    from store.repos.hazards import ACTIVE\n"
    assert _inner_imports("bot.cli", text) == ["handlers.hazards.sheet", "store.repos.hazards"]
    assert _inner_imports("handlers.hazards.chat", "from handlers.hazards.sheet import x\n") == []
