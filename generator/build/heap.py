"""Python's cyclic garbage collector around the pipeline's bulk stages.

Loading, validating and indexing a corpus allocate millions of objects that
live until the build ends, and almost no cyclic garbage. The collector,
triggered by the allocations alone, would walk that growing heap again and
again (at 10,000 briefs, unpickling the cached models took 6.7 s with it and
2.0 s without). Reference counting still frees everything acyclic.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def bulk() -> Iterator[None]:
    """No cyclic collection while building long-lived data (a `with` block, or a function decorator).

    What was made is then frozen (`gc.freeze`): the collector had let millions of
    new objects pile up in its youngest generation, and the first collection after
    the block walked them all (1 s after loading a 10,000-brief snapshot; 1.9 s over
    load, validate and analyse). The outermost `frozen` block's end unfreezes them.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


_frozen_depth = 0


@contextmanager
def frozen() -> Iterator[None]:
    """Keep the objects made so far out of the collector's sight (`gc.freeze`), until the
    outermost `frozen` block ends; blocks nest, an inner one adds what was made since.

    Around a stage that only reads a corpus built before it (render): no collection walks
    the corpus again (the first one after a bulk stage took 2 s at 10,000 briefs), and a
    collection in a forked worker does not write to, and so copy, the pages it shares with
    its parent (Python's remedy for that).
    """
    global _frozen_depth
    gc.freeze()
    _frozen_depth += 1
    try:
        yield
    finally:
        _frozen_depth -= 1
        if not _frozen_depth:
            gc.unfreeze()
