"""The model cache: a file unchanged since the last build is not parsed again; anything
edited, damaged or gone is parsed (a miss), never an error, and the packs do not grow
without bound."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from support import REPO

sys.path.insert(0, str(REPO / "bench"))
import make_corpus  # noqa: E402

from generator import cache as cache_module, load  # noqa: E402
from generator.cache import ModelCache  # noqa: E402
from generator.models import validate_document  # noqa: E402


@pytest.fixture
def root(tmp_path) -> Path:
    out = tmp_path / "corpus"
    make_corpus.generate(12, out, seed=3)
    return out


def _load(root: Path, workers: int = 1):
    """The corpus loaded through the model cache as a build loads it; (cache, models by path)."""
    models = ModelCache(root / "build/.briefgen-cache")
    docs, problems = load.load_corpus(root / "briefs", root, models, validate=validate_document, workers=workers)
    assert not problems
    return models, {d.path: d.model for d in docs}


def _packs(root: Path) -> list[Path]:
    return sorted((root / "build/.briefgen-cache/models").glob("*/*.pack"))


def _retitle(brief: Path, title: str, stamp: int) -> None:
    first, rest = brief.read_text("utf-8").split("\n", 1)
    assert first.startswith("title:")
    brief.write_text(f"title: {title}\n{rest}", "utf-8")
    os.utime(brief, ns=(stamp, stamp))  # a new mtime, however fast the test runs


def _brief(root: Path) -> Path:
    return sorted(p for p in (root / "briefs").rglob("*.yaml") if p.parent.name.isdigit())[-1]


def test_an_edited_file_is_read_again_and_its_new_model_kept(root):
    first, fresh = _load(root)
    assert first.hits == 0
    again, models = _load(root)
    assert again.hits == len(models) and models == fresh

    brief = _brief(root)
    path = brief.relative_to(root).as_posix()
    _retitle(brief, "An edited title", 10**18)
    edited, models = _load(root)
    assert edited.hits == len(models) - 1
    assert models[path].title == "An edited title"
    after, models = _load(root)
    assert after.hits == len(models) and models[path].title == "An edited title"


def test_models_made_by_the_workers_are_kept(root, monkeypatch):
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 1)
    _, fresh = _load(root, workers=2)
    again, models = _load(root, workers=2)
    assert again.hits == len(models) and models == fresh


@pytest.mark.parametrize("damage", ["pack cut short", "pack removed", "index garbled"])
def test_a_damaged_cache_is_read_again_from_the_files(root, damage):
    _, fresh = _load(root)
    [pack] = _packs(root)
    if damage == "pack cut short":
        pack.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    elif damage == "pack removed":
        pack.unlink()
    else:
        (pack.parent / "index.pickle").write_bytes(b"not a pickle")
    damaged, models = _load(root)
    assert models == fresh
    assert damaged.hits < len(models)
    repaired, models = _load(root)
    assert repaired.hits == len(models) and models == fresh


def test_models_of_removed_files_are_dropped_and_replaced_packs_removed(root):
    _load(root)
    [old] = _packs(root)
    gone = _brief(root)
    gone.unlink()
    for i, f in enumerate(sorted((root / "briefs").rglob("*.yaml"))):
        os.utime(f, ns=(10**18 + i, 10**18 + i))  # every file read again
    models, docs = _load(root)
    assert models.hits == 0
    [new] = _packs(root)
    assert new != old
    assert gone.relative_to(root).as_posix() not in ModelCache(root / "build/.briefgen-cache").index()


@pytest.mark.parametrize("edited, max_packs", [((0,), 4), ((0, 1), 4), ((0, 1), 100)],
                         ids=["one brief", "two briefs in turn", "two briefs in turn, packs unlimited"])
def test_the_packs_stay_few_and_mostly_models_in_use(root, monkeypatch, edited, max_packs):
    """Each build that parses a file adds a pack of its models: however the edits fall, build
    after build, a few packs hold little beyond the models in use."""
    monkeypatch.setattr(cache_module, "SLACK", 0)
    monkeypatch.setattr(cache_module, "MAX_PACKS", max_packs)
    briefs = sorted(p for p in (root / "briefs").rglob("*.yaml") if p.parent.name.isdigit())
    _load(root)
    for i in range(30):
        changed = [briefs[(i + k) % len(briefs)] for k in edited] if len(edited) > 1 else [briefs[0]]
        for k, brief in enumerate(changed):
            _retitle(brief, f"Title {i}", 10**18 + 2 * i + k)
        cache, models = _load(root)
        assert cache.hits == len(models) - len(changed)
        assert all(models[b.relative_to(root).as_posix()].title == f"Title {i}" for b in changed)
        index = ModelCache(root / "build/.briefgen-cache").index()
        used = sum(entry[4] for entry in index.values())
        largest = max(entry[4] for entry in index.values())
        total = sum(p.stat().st_size for p in _packs(root))
        assert total <= 2 * used + largest, f"after {i + 1} builds the packs hold {total:,} bytes for {used:,} in use"
        assert len(_packs(root)) <= max_packs + 1
    assert _load(root)[0].hits == len(models)
