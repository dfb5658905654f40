"""No code in src/ reaches into discord.py's or aiohttp's private internals.

Rule exercised: "Never patch private attributes of discord.py/aiohttp or any library" (#17).
Private attributes change between minor versions without notice; the bot must work on the
public API of the discord.py version it pins. The checks read the source (AST), so they
fail on any new access, whether or not a test happens to run that code path.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LIBRARIES = ("discord", "aiohttp", "yarl")
# Public class attributes that point discord.py at another API: the local Discord double
# in tests sets them through GEOBOT_DISCORD_API_BASE / GEOBOT_DISCORD_GATEWAY.
ALLOWED_ASSIGNMENTS = {
    "discord.http.Route.BASE",
    "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY",
}


def _sources(root: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _own_private_names(tree: ast.Module) -> set[str]:
    """Private attributes the project itself defines (assigned on self, or in a class)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def private_accesses(root: Path = SRC) -> list[str]:
    """Private names used that the project does not define itself: a library's."""
    sources = list(_sources(root))
    own = set().union(*(_own_private_names(tree) for _, tree in sources))
    found = []
    for path, tree in sources:
        for node in ast.walk(tree):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if node.attr not in own:
                    found.append(f"{where}: .{node.attr}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and _private(node.args[1].value)
            ):
                found.append(f"{where}: {node.func.id}(…, {node.args[1].value!r})")
    return found


def library_patches(root: Path = SRC) -> list[str]:
    found = []
    for path, tree in _sources(root):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _dotted(target) if isinstance(target, ast.Attribute) else None
                if name and name.split(".")[0] in LIBRARIES and name not in ALLOWED_ASSIGNMENTS:
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {name} = …")
    return found


def test_no_private_attribute_is_read_or_written() -> None:
    """Any `x._name` outside the project's own classes, or getattr(x, "_name"), fails."""
    assert private_accesses() == []


def test_no_library_attribute_is_replaced() -> None:
    """Assigning to an attribute of discord/aiohttp (a monkeypatch) fails."""
    assert library_patches() == []


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The checks themselves can fail: they flag the patterns #17 removed."""
    (tmp_path / "patch.py").write_text(
        "import discord\n"
        "class Mine:\n"
        "    def __init__(self):\n"
        "        self._own = 1\n"
        "    def read(self):\n"
        "        return self._own\n"
        "def f(ws):\n"
        "    n = len(ws.socket._reader._buffer)\n"
        "    discord.gateway.DiscordWebSocket.poll_event = f\n"
        "    return getattr(ws, '_max_heartbeat_timeout')\n",
        encoding="utf-8",
    )
    assert sorted(private_accesses(tmp_path)) == [
        "patch.py:10: getattr(…, '_max_heartbeat_timeout')",
        "patch.py:8: ._buffer",
        "patch.py:8: ._reader",
    ]
    assert library_patches(tmp_path) == [
        "patch.py:9: discord.gateway.DiscordWebSocket.poll_event = …"
    ]


def private_overrides(package: str = "geobot") -> list[str]:
    """Private names that a class of ours defines and a discord.py/aiohttp base class
    already has: defining them replaces the library's internals just as a patch does."""
    import importlib
    import inspect
    import pkgutil

    root = importlib.import_module(package)
    modules = [root] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, f"{package}.")
        if not info.name.endswith("__main__")  # runs the CLI when imported
    ]
    found = set()
    for module in modules:
        for cls in vars(module).values():
            if not inspect.isclass(cls) or not cls.__module__.startswith(package):
                continue
            library_bases = [
                base for base in cls.__mro__[1:] if base.__module__.split(".")[0] in LIBRARIES
            ]
            for name in vars(cls):
                if _private(name) and any(name in vars(base) for base in library_bases):
                    found.add(f"{cls.__module__}.{cls.__qualname__}.{name}")
    return sorted(found)


def test_no_class_overrides_a_library_private_name() -> None:
    """A method `_refresh` on our paginator replaced discord.py's private View._refresh
    (called with a list of components when a message is edited): any such name fails."""
    assert private_overrides() == []
