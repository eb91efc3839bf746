"""The model cache: a file unchanged since the last build is not parsed again; anything
edited, damaged or gone is parsed (a miss), never an error, and the packs do not grow
without bound."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import synthetic
from support import run_cli

from generator.build import cache as cache_module
from generator.build import loading
from generator.build.cache import ModelCache
from generator.stages.validate import validate_document


@pytest.fixture
def root(tmp_path) -> Path:
    out = tmp_path / "corpus"
    synthetic.generate(12, out, seed=3)
    return out


def _load(root: Path, workers: int = 1):
    """The corpus loaded through the model cache as a build loads it; (cache, models by path)."""
    models = ModelCache(root / "build/.briefgen-cache")
    docs, problems = loading.load_corpus(root / "briefs", root, models, validate=validate_document, workers=workers)
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
    monkeypatch.setattr(loading, "PARALLEL_MIN_FILES", 1)
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
    for f in sorted((root / "briefs").rglob("*.yaml")):
        f.write_text(f.read_text("utf-8") + "# every file read again\n", "utf-8")
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


# --- a cache never outranks the files: what a build publishes is what a fresh build publishes ---

SECOND = """\
title: Marrowgate depot fire
published: "2024-04"
tlp: clear
summary: Bottom line about the Marrowgate depot.
claims:
  - id: marrowgate-depot-burned
    statement: The Marrowgate depot burned down.
    source: daily-news
    reported: "2024-04-02"
    credibility: 3
"""


def _site(root: Path) -> dict[str, bytes]:
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _build(root: Path) -> dict[str, bytes]:
    r = run_cli("build", cwd=root)  # fails on a traceback
    assert r.code == 0, r.err
    return _site(root)


def _fresh(root: Path) -> dict[str, bytes]:
    """The site a build gives with no cache at all."""
    shutil.rmtree(root / "build/.briefgen-cache")
    return _build(root)


def _in_place(path: Path, old: bytes, new: bytes) -> None:
    """Replace bytes of a file with as many others, in place: the same size, inode and mtime."""
    st = path.stat()
    data = path.read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    with open(path, "r+b") as f:
        f.write(data.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)


def _withheld(site: dict[str, bytes]) -> bool:
    """The Marrowgate brief is nowhere on the site: no page, no line of corpus.json or of the STIX bundle."""
    assert any(b"First brief" in data for data in site.values())
    return not any(b"Marrowgate" in data or b"marrowgate" in data for data in site.values())


@pytest.fixture
def two_briefs(minimal) -> Path:
    """The minimal project and a second published brief nobody refers to."""
    minimal.write("2024/second-brief.yaml", SECOND)
    return minimal.root


@pytest.mark.parametrize("snapshot", ["kept", "deleted"])
def test_a_brief_marked_amber_in_place_with_its_mtime_kept_is_withheld(two_briefs, snapshot):
    """`tlp: clear` becomes `tlp: amber` in place (the same size, inode and mtime): the next build
    withholds the brief as a fresh build does, whether it resumes or loads the corpus again."""
    root = two_briefs
    assert not _withheld(_build(root))
    _in_place(root / "briefs/2024/second-brief.yaml", b"tlp: clear", b"tlp: amber")
    if snapshot == "deleted":
        for kept in (root / "build/.briefgen-cache").glob("snapshot.*.pickle"):
            kept.unlink()
    site = _build(root)
    assert _withheld(site)
    assert site == _fresh(root)


def test_a_model_replaced_in_its_pack_is_not_used(two_briefs):
    """The pack holds the withheld (amber) brief's model; bytes of the same length, the model of the
    same brief marked clear, are written over it: the build parses the file, and withholds the brief."""
    import pickle

    from generator.stages.load import load_document

    root = two_briefs
    brief = root / "briefs/2024/second-brief.yaml"
    brief.write_text(SECOND.replace("tlp: clear", "tlp: amber"), "utf-8")
    assert _withheld(_build(root))

    cleared = root.parent / "cleared/briefs/2024/second-brief.yaml"  # the same brief, marked clear, elsewhere
    cleared.parent.mkdir(parents=True)
    cleared.write_text(SECOND, "utf-8")
    doc, _ = load_document(cleared, cleared.parents[1], cleared.parents[2])
    model, problems = validate_document(doc)
    assert model is not None and not problems and model.tlp == "clear"
    forged = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)

    name, offset, length = ModelCache(root / "build/.briefgen-cache").index()["briefs/2024/second-brief.yaml"][2:5]
    [pack] = (root / "build/.briefgen-cache/models").glob(f"*/{name}")
    assert len(forged) == length
    with open(pack, "r+b") as f:
        f.seek(offset)
        f.write(forged)
    for kept in (root / "build/.briefgen-cache").glob("snapshot.*.pickle"):
        kept.unlink()  # else the build resumes from it, reading no model
    site = _build(root)
    assert _withheld(site)
    assert site == _fresh(root)


def _statement(root: Path, words: str) -> None:
    """A new statement for the first claim of a published brief."""
    brief = next(p for p in sorted((root / "briefs").rglob("*.yaml")) if p.parent.name.isdigit()
                 and 'tlp: "clear"' in (text := p.read_text("utf-8")) and 'status: "draft"' not in text and "\nclaims:" in text)
    text = brief.read_text("utf-8")
    at = text.index("statement: ", text.index("\nclaims:")) + len("statement: ")
    brief.write_text(text[:at] + f'"{words}"' + text[text.index("\n", at):], "utf-8")


def _damage_every_cache_file(root: Path, seed: int, how: str) -> list[str]:
    """Flip bits in, or cut short, every file of the build cache (seeded); the files' names."""
    import random

    rng = random.Random(seed)
    files = sorted(p for p in (root / "build/.briefgen-cache").rglob("*") if p.is_file())
    for p in files:
        data = bytearray(p.read_bytes())
        if how == "bit flips":
            for _ in range(1 + len(data) // 20_000):
                if data:
                    at = rng.randrange(len(data))
                    data[at] ^= 1 << rng.randrange(8)
        else:
            del data[rng.randrange(len(data)) if data else 0:]
        st = p.stat()
        p.write_bytes(bytes(data))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    return [p.name for p in files]


def _generate(root: Path) -> dict[str, bytes]:
    """The docs folder (pages, corpus.json, the STIX bundle) as `briefgen build` generates it, before mkdocs."""
    from generator.build import driver as pipeline
    from generator.config import Project

    project = Project(root)
    settings = project.settings()
    pipeline.generate(project, settings, pipeline.policy_for(settings), workers=1)
    docs = root / "build/docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("edit", ["nothing edited", "a statement edited"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("how", ["bit flips", "truncations"])
def test_a_damaged_cache_changes_nothing_a_build_generates(root, how, seed, edit):
    """Every file of the build cache damaged: the build reads none of it as it was, and generates
    what a build with no cache generates, with no exception."""
    _generate(root)
    _statement(root, "A first edit, so that the exports are spliced.")
    _generate(root)
    damaged = " ".join(_damage_every_cache_file(root, seed, how))
    for kind in ("index.pickle", ".pack", "snapshot.", "fingerprints.json", "stix-layout.", "corpus-layout."):
        assert kind in damaged, f"no {kind} file in the cache to damage"
    if edit == "a statement edited":
        _statement(root, "A second edit, after the damage.")
    damaged = _generate(root)
    shutil.rmtree(root / "build/.briefgen-cache")
    assert damaged == _generate(root)
