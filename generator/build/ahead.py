"""Work done ahead, on the core that validation and analysis leave idle.

Validating and analysing the corpus run in one process (at 10,000 briefs
about 5 s, the other core idle). Some of what the pages need later depends
on the published corpus alone: the actor graphs and the network graph,
Graphviz layouts of about 6 s of CPU at 10,000 briefs. `Ahead.start` makes
such values in a forked child meanwhile, which pickles them into a file of
the build cache; `Ahead.get` takes the child's value once that file is
there and otherwise makes the value itself (the child not finished yet,
failed, or never started), so the pages are the same either way.
"""

from __future__ import annotations

import os
import pickle
import signal
from pathlib import Path
from typing import Any, Callable, Hashable


class Ahead:
    def __init__(self, path: Path | None = None, pid: int | None = None):
        self.path = path  # where the child leaves its values
        self.pid = pid
        self._values: dict | None = None

    @classmethod
    def start(cls, folder: Path, makers: dict[Hashable, Callable[[], Any]]) -> "Ahead":
        """Make `makers`' values in a forked child (none where there is no fork)."""
        if not hasattr(os, "fork"):
            return cls()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ahead.{os.getpid()}.pickle"
        path.unlink(missing_ok=True)  # left by a build killed before `close`, whose pid was this one: never the child's values
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            status = 1
            try:
                values = {key: make() for key, make in makers.items()}
                partial = path.with_name(path.name + ".part")
                with open(partial, "wb") as f:
                    pickle.dump(values, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, path)  # complete or absent
                status = 0
            finally:
                os._exit(status)
        return cls(path, pid)

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The child's value for `key` if it is done, else `make()`."""
        if self._values is None and self.path is not None and self.path.exists():
            with open(self.path, "rb") as f:
                self._values = pickle.load(f)
        if self._values is not None and key in self._values:
            return self._values[key]
        return make()

    def close(self) -> None:
        """Stop the child if it is still at work (nothing more will ask) and remove its file."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.path is not None:
            for leftover in (self.path, self.path.with_name(self.path.name + ".part")):
                leftover.unlink(missing_ok=True)
