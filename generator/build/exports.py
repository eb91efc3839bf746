"""Which data files a build writes under /data/ and /schema/, what each draws on, and how each is made.

What a file draws on is in `incremental`'s terms, so that `render` writes it
again only when that changed. The exports of one object a line (the STIX
bundle, corpus.json) are made over the files they replace (`splice`), each
part (a brief, a question, the entities) under the key of what it shows.
"""

from __future__ import annotations

import functools
from pathlib import Path

from generator.build import splice
from generator.build.incremental import EVERYTHING, Inputs
from generator.config import Settings
from generator.format import schema as schemas
from generator.output import exports, misp, stix
from generator.stages.analysis import Findings
from generator.stages.corpus import Corpus


def part_keys(inputs: Inputs) -> dict[str, str]:
    """The key of each part of the exports (`generator.output.lines.Parts`): what its lines show."""
    return {"entities": inputs.entities_key,
            **{f"brief:{b}": k for b, k in inputs.brief_keys.items()},
            **{f"question:{q}": k for q, k in inputs.question_keys.items()}}


def _spliced(name: str, lines, corpus: Corpus, findings: Findings, inputs: Inputs | None, cache: Path | None,
             target: Path | None) -> splice.Splice:
    keys = part_keys(inputs) if inputs is not None and cache is not None and target is not None else None
    return splice.start(cache, name, target, keys, lambda parts: lines(corpus, findings, parts))


def data_exports(corpus: Corpus, findings: Findings, inputs: Inputs | None = None, cache: Path | None = None,
                 docs: Path | None = None, settings: Settings | None = None) -> dict[str, tuple]:
    """Every data export: path under the docs folder -> (what it draws on, how to make it).

    What it draws on: the files of the corpus (a question's CSV: its own and
    those of the briefs rating it), EVERYTHING, or nothing but briefgen itself
    (the schemas). With the corpus's `inputs`, a `cache` folder and the `docs`
    folder, STIX and corpus.json copy the lines of unchanged parts from the
    files they replace. With the `settings`, the MISP feed: its manifest draws on
    everything, each event on its brief and what the brief refers to.
    """
    nothing = frozenset()
    out = {
        "data/corpus.json": (EVERYTHING, lambda: _spliced("corpus", exports.corpus_json_lines, corpus, findings, inputs, cache,
                                                          docs / "data/corpus.json" if docs else None)),
        "data/corpus.schema.json": (nothing, exports.corpus_schema_json),
        "data/stix-bundle.json": (EVERYTHING, lambda: _spliced("stix", stix.stix_lines, corpus, findings, inputs, cache,
                                                               docs / "data/stix-bundle.json" if docs else None)),
    }
    for q in findings.matrices:
        out[exports.ach_csv_path(q)] = (inputs.entity("question", q) if inputs else EVERYTHING, functools.partial(exports.ach_csv, corpus, findings, q))
    if settings is not None:
        for rel, (brief, make) in misp.feed_files(corpus, settings).items():
            out[rel] = (inputs.briefs([brief]) if inputs is not None and brief is not None else EVERYTHING, make)
    for kind in schemas.KINDS:
        out[f"schema/{kind}.schema.json"] = (nothing, functools.partial(schemas.schema_json, kind))
    return out
