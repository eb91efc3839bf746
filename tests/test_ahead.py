"""Graphs drawn ahead, in a forked child, while the corpus is analysed: the pages are the
same as without, the child's values are used once it is done, and nothing is left behind."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import synthetic
from generator.build import ahead
from generator.build import driver as pipeline
from generator.output import render
from generator.config import Project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="work ahead needs fork")


def _done(drawn: ahead.Ahead, timeout: float = 30) -> None:
    """Wait until the child has exited (its file written or not)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pid, _ = os.waitpid(drawn.pid, os.WNOHANG)
        if pid:
            drawn.pid = None
            return
        time.sleep(0.02)
    raise AssertionError("the child did not finish")


def test_the_childs_values_are_taken_once_it_is_done(tmp_path):
    drawn = ahead.Ahead.start(tmp_path, {"who": os.getpid, "twice": lambda: 2 * 21})
    _done(drawn)
    assert drawn.get("who", os.getpid) != os.getpid()  # made in the child
    assert drawn.get("twice", lambda: "not this") == 42
    assert drawn.get("unknown", lambda: "made here") == "made here"
    drawn.close()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_child_leaves_the_values_to_be_made_here(tmp_path):
    drawn = ahead.Ahead.start(tmp_path, {"graph": lambda: 1 / 0})
    _done(drawn)
    assert drawn.get("graph", lambda: "made here") == "made here"
    drawn.close()
    assert list(tmp_path.iterdir()) == []


def test_a_child_still_at_work_is_stopped(tmp_path):
    drawn = ahead.Ahead.start(tmp_path, {"slow": lambda: time.sleep(60)})
    assert drawn.get("slow", lambda: "made here") == "made here"  # not done: made here, not waited for
    started = time.monotonic()
    drawn.close()
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_values_left_by_a_killed_build_of_the_same_pid_are_not_taken(tmp_path):
    """A build killed before `close` leaves its child's file; a later build given the same pid
    never takes that file for its own child's values."""
    import pickle

    (tmp_path / f"ahead.{os.getpid()}.pickle").write_bytes(pickle.dumps({"graph": "another corpus's graph"}))
    drawn = ahead.Ahead.start(tmp_path, {"graph": lambda: time.sleep(60)})
    assert drawn.get("graph", lambda: "made here") == "made here"
    drawn.close()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def corpus(tmp_path) -> Path:
    out = tmp_path / "corpus"
    synthetic.generate(40, out, seed=7, restricted=0.05)
    synthetic.copy_project_files(out)
    return out


def _docs(root: Path) -> dict[str, bytes]:
    docs = root / "build/docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}


def test_a_first_build_draws_its_graphs_ahead_and_writes_the_same_pages(corpus, tmp_path, monkeypatch):
    without = tmp_path / "without"
    shutil.copytree(corpus, without)
    taken = []
    get = ahead.Ahead.get

    def counted(self, key, make):
        value = get(self, key, make)
        taken.append(self._values is not None and key in self._values)
        return value

    draw = render.draw_ahead

    def drawn_before_the_pages(*args):  # on a busy machine the child could still be at work
        drawn = draw(*args)
        end = time.monotonic() + 30
        while not drawn.path.exists() and time.monotonic() < end:
            time.sleep(0.02)
        return drawn

    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 1)  # as large a corpus
    monkeypatch.setattr(render, "draw_ahead", drawn_before_the_pages)
    monkeypatch.setattr(ahead.Ahead, "get", counted)
    project = Project(corpus)
    settings = project.settings()
    generated = pipeline.generate(project, settings, pipeline.policy_for(settings), workers=1)
    assert len(taken) == len(generated.corpus.actors) + 1  # every actor graph and the network
    assert all(taken)
    assert not list(project.cache.glob("ahead.*"))

    monkeypatch.setattr(render, "draw_ahead", lambda *args: None)
    plain = Project(without)
    pipeline.generate(plain, plain.settings(), pipeline.policy_for(plain.settings()), workers=1)
    assert _docs(corpus) == _docs(without)
