"""Shared fixtures: throwaway projects on disk and a runner for the real CLI."""

from __future__ import annotations

import pytest

from support import MINIMAL, Project


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory):
    """`validate` keeps its model cache in the user's cache folder: the tests' own, not the user's."""
    with pytest.MonkeyPatch.context() as m:
        m.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project (templates and config, no briefs)."""
    return Project(tmp_path / "proj")


@pytest.fixture
def minimal(project) -> Project:
    """A small valid corpus: two actors, two sources, one question, one brief."""
    for rel, text in MINIMAL.items():
        project.write(rel, text)
    return project
