"""The package's layout is its architecture: each folder imports only the folders below it.

    errors -> format -> stages -> config -> output -> site -> build -> linkcheck, scaffold -> cli

so the stages and the output never depend on the build machinery, nothing
imports upwards, and no build can run the network check of the corpus's links
(`linkcheck`, which only the command line calls). The imports are read from the source (every `import` and
`from ... import`, at any depth), not from a running interpreter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import REPO

PACKAGE = REPO / "generator"
LAYERS = ["errors", "format", "stages", "config", "output", "site", "build", "linkcheck", "scaffold", "cli"]


def _layer(module: str) -> str | None:
    """The layer of a module of the package (`generator.stages.load` -> `stages`); None outside it."""
    parts = module.split(".")
    if parts[0] != "generator" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(file: Path) -> list[tuple[int, str]]:
    tree = ast.parse(file.read_text("utf-8"), str(file))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{file}:{node.lineno}: a relative import; the package imports by absolute names"
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


def _upward(file: Path, rel: Path) -> list[str]:
    """The imports of `file`, at `rel` in the package, from a layer above its own."""
    own = rel.parts[0].removesuffix(".py")
    assert own in LAYERS, f"generator/{rel} is in no layer: add its folder to LAYERS"
    return [f"{rel}:{line}: {name}" for line, name in _imports(file)
            if (layer := _layer(name)) is not None and LAYERS.index(layer) > LAYERS.index(own)]


@pytest.mark.parametrize("file", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_a_module_imports_only_the_layers_below_its_own(file):
    rel = file.relative_to(PACKAGE)
    if rel == Path("__init__.py"):
        return  # the package's own docstring and version
    upward = _upward(file, rel)
    assert not upward, "imports from a layer above: " + "; ".join(upward)


def test_every_folder_of_the_package_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {layer for layer in LAYERS if (PACKAGE / layer).is_dir()}
    assert {"format", "stages", "output", "site", "build"} <= folders


def test_the_check_sees_an_upward_import_at_any_depth(tmp_path):
    """The rule can fail: a stage importing the build machinery, even inside a function, is caught."""
    module = tmp_path / "corpus.py"
    module.write_text("from generator.format import vocab\n\ndef f():\n    from generator.build import driver\n    import generator.output.pages\n")
    assert _upward(module, Path("stages/corpus.py")) == ["stages/corpus.py:4: generator.build.driver",
                                                         "stages/corpus.py:5: generator.output.pages"]
    assert _upward(module, Path("build/corpus.py")) == []
