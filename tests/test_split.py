"""Builds whose pages mkdocs makes in two processes (`build.split`): the site is byte for byte the one a
single process builds, cold and after an edit; links between the two halves' pages are checked for
their anchors as one mkdocs run checks them; what fails in the second process fails the build, and
the last site stays as it was."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import support
from generator.build import driver, split
from generator.config import Project
from generator.errors import ContentError
from test_incremental import _edit, _published_brief, generated as corpus  # noqa: F401  (the synthetic corpus)
from test_incremental_site import _site, small_pages  # noqa: F401  (autouse: listings paginated small)

BIG = "x " * 200_000  # a hand-written page larger than any generated one: the split gives it to the build's process


class Spy:
    """Every split made, as the outputs the second process built."""

    def __init__(self, monkeypatch, halves: bool):
        self.splits: list[list[str]] = []
        monkeypatch.setattr(split, "MIN_BYTES", 0 if halves else 10**15)
        # other tests of the suite leave threads (servers) running in this process, where a build run
        # by the CLI has none; they hold no lock a forked mkdocs takes
        monkeypatch.setattr(split.threading, "active_count", lambda: 1)
        start = split.Halves.start

        def recording(helper, scratch, run):
            made = start(helper, scratch, run)
            if made:
                self.splits.append(list(helper.theirs))
            return made

        monkeypatch.setattr(split.Halves, "start", recording)


def _no_scratch_left(root: Path, kinds: tuple[str, ...] = ("-split-",)) -> bool:
    """The second process's folder (or any scratch folder of `kinds`) is gone, or soon: a process of its own
    removes it after the build."""
    deadline = time.monotonic() + 60
    while [p for p in root.iterdir() if any(kind in p.name for kind in kinds)]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _copy(corpus: Path, to: Path) -> Path:
    shutil.copytree(corpus, to, ignore=shutil.ignore_patterns("build", "site", ".site-*", "..site-*"))
    return to


def _build(root: Path) -> driver.Generated:
    project = Project(root)
    settings = project.settings()
    return driver.build(project, settings, driver.policy_for(settings), root / "site")


def _built_alone(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site one process builds of a copy of `root` (cold)."""
    with pytest.MonkeyPatch.context() as m:
        support.small_pages(m)
        spy = Spy(m, halves=False)
        alone = _copy(root, tmp_path / "alone")
        result = _build(alone)
        assert not spy.splits and result.pages[1] == result.pages[0]
    return _site(alone)


def test_two_processes_build_the_site_one_process_builds(corpus, tmp_path, monkeypatch):
    root = _copy(corpus, tmp_path / "two")
    spy = Spy(monkeypatch, halves=True)
    result = _build(root)
    total, built = result.pages
    [theirs] = spy.splits
    assert built == total and total / 3 < len(theirs) < total * 2 / 3  # every page built, about half of them by the second
    two, alone = _site(root), _built_alone(corpus, tmp_path)
    assert two.keys() == alone.keys(), (sorted(two.keys() - alone.keys())[:5], sorted(alone.keys() - two.keys())[:5])
    assert [k for k in alone if two[k] != alone[k]] == []
    assert _no_scratch_left(root)


def test_an_edits_build_in_two_processes_equals_a_cold_one(corpus, tmp_path, monkeypatch):
    root = _copy(corpus, tmp_path / "edited")
    _build(root)
    spy = Spy(monkeypatch, halves=True)
    _edit(_published_brief(root, 3), lambda d: d.update(title="A title edited for the split"))
    total, built = _build(root).pages
    [theirs] = spy.splits
    assert 0 < len(theirs) < built < total  # the last site's other pages kept, the changed ones shared out
    assert _site(root) == _built_alone(root, tmp_path)


def _pages(root: Path, a: str, b: str) -> None:
    """Two hand-written pages, the largest of the site: `big-a` goes to the build's process, `big-b` to the second."""
    folder = root / "site_config" / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "big-a.md").write_text(f"# Page A\n\n## Here {{ #here-a }}\n\n{a}\n\n{BIG}\n", "utf-8")
    (folder / "big-b.md").write_text(f"# Page B\n\n## Here {{ #here-b }}\n\n{b}\n\n{BIG[:-2000]}\n", "utf-8")


@pytest.mark.parametrize("a, b, wrong", [
    ("[to B](big-b.md#nowhere)", "", "'big-a.md' contains a link 'big-b.md#nowhere'"),  # from the build's half to the second's
    ("", "[to A](big-a.md#nowhere)", "'big-b.md' contains a link 'big-a.md#nowhere'"),  # and back
])
def test_a_link_to_a_missing_anchor_in_the_other_half_fails_the_build(corpus, tmp_path, monkeypatch, a, b, wrong):
    root = _copy(corpus, tmp_path / "anchors")
    spy = Spy(monkeypatch, halves=True)
    _pages(root, "[to B](big-b.md#here-b)", "[to A](big-a.md#here-a)")
    _build(root)  # links to anchors that are there pass
    before = _site(root)
    _pages(root, a, b)
    with pytest.raises(ContentError) as e:
        _build(root)
    assert len(spy.splits) == 2  # the build that passed and the one that failed
    for theirs in spy.splits:
        assert "big-b/index.html" in theirs and "big-a/index.html" not in theirs
    assert any(wrong in p.message and "does not contain an anchor '#nowhere'" in p.message for p in e.value.problems), e.value.problems
    assert _site(root) == before
    assert _no_scratch_left(root)


def test_a_failure_in_the_second_process_fails_the_build_and_keeps_the_last_site(corpus, tmp_path, monkeypatch):
    root = _copy(corpus, tmp_path / "failing")
    _build(root)
    before = _site(root)
    spy = Spy(monkeypatch, halves=True)
    _pages(root, "", "[gone](no-such-page.md)")
    with pytest.raises(ContentError) as e:
        _build(root)
    [theirs] = spy.splits
    assert "big-b/index.html" in theirs
    assert any("no-such-page.md" in p.message for p in e.value.problems), e.value.problems
    assert _site(root) == before
    assert _no_scratch_left(root, ("-split-", "-new-"))  # the last site's files linked while generating, too
