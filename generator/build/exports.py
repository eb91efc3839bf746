"""Which data files a build writes under /data/ and /schema/, what each draws on, and how each is made.

What a file draws on is in `incremental`'s terms, so that `render` writes it
again only when that changed. The exports of one object a line (the STIX
bundle, corpus.json, the MISP manifest) are made over the files they replace
(`splice`), each part (a brief, a question, the entities) under the key of what it shows.
Each brief's own STIX bundle is keyed by what its objects show (`brief_stix_keys`).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from generator.build import splice
from generator.build.cache import Memo
from generator.build.incremental import EVERYTHING, Inputs
from generator.build.sealed import code_key
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


def stix_part_keys(inputs: Inputs, corpus: Corpus, settings: Settings | None, dates: stix.Dates) -> dict[str, str]:
    """`part_keys` for the STIX bundle, whose objects also show the publisher (every object's creator)
    and the dates of the actors, sources and questions (from the briefs that mention them)."""
    publisher = stix.publisher_of(settings).id
    keys = {name: f"{k}:{publisher}" for name, k in part_keys(inputs).items()}
    keys["entities"] += ":" + dates.entities_key(corpus)
    for q in corpus.questions:
        keys[f"question:{q}"] += ":" + "/".join(dates.span("question", q))
    return keys


def brief_stix_keys(inputs: Inputs, corpus: Corpus, settings: Settings | None, dates: stix.Dates) -> dict[str, str]:
    """Brief id -> a key of what its own bundle shows (`stix.BriefBundles`): its part and those of the
    briefs whose claims it links to, its actors and sources with their dates, every actor and source
    file (the relationships among them), and the publisher with its date."""
    keys = stix_part_keys(inputs, corpus, settings, dates)
    salt = code_key()

    @functools.cache  # a file is referred to by many briefs: worked out once
    def shown_of(ref: str) -> str:  # another brief's claims (its file and what it names), or an entity's dates
        if ref.startswith("brief:"):
            return inputs.fingerprint(salt, "export", frozenset({ref, *inputs.entity_refs.get(ref, ())}))
        return f"{ref}={dates.span(*ref.split(':', 1))}"

    out = {}
    for b in corpus.briefs:
        refs = inputs.refs.get(f"brief:{b}", ())
        shown = [keys[f"brief:{b}"], inputs.entities_key, dates.first]
        shown += sorted(shown_of(r) for r in refs if not r.startswith("question:"))
        out[b] = hashlib.blake2b("\0".join(shown).encode(), digest_size=16).hexdigest()
    return out


def stix_dates(corpus: Corpus, inputs: Inputs | None, cache: Path | None) -> stix.Dates:
    """`stix.Dates`, kept in the build cache under a key of what they are made of: every brief's
    shape and the actor, source and question files (`Inputs.all_shapes`), which an edit of words keeps."""
    if inputs is None or cache is None:
        return stix.Dates(corpus)
    memo = Memo(cache, "stix-dates")
    key = inputs.fingerprint(code_key(), "stix-dates", inputs.all_shapes)
    found = memo.get(key)
    if found is None:
        found = memo[key] = stix.Dates(corpus)
    memo.save()
    return found


def misp_part_keys(inputs: Inputs, settings: Settings) -> dict[str, str]:
    """The key of each brief's entry in the MISP manifest (`misp.manifest_lines`): its brief's part
    key (`part_keys`) and the publisher every entry names."""
    publisher = hashlib.blake2b(repr((settings.title, settings.url)).encode(), digest_size=16).hexdigest()
    return {f"brief:{b}": f"{k}:{publisher}" for b, k in inputs.brief_keys.items()}


def _spliced(name: str, lines, corpus: Corpus, findings: Findings, inputs: Inputs | None, cache: Path | None,
             target: Path | None, keys=part_keys) -> splice.Splice:
    keys = keys(inputs) if inputs is not None and cache is not None and target is not None else None
    return splice.start(cache, name, target, keys, lambda parts: lines(corpus, findings, parts))


def data_exports(corpus: Corpus, findings: Findings, inputs: Inputs | None = None, cache: Path | None = None,
                 docs: Path | None = None, settings: Settings | None = None) -> dict[str, tuple]:
    """Every data export: path under the docs folder -> (what it draws on, how to make it).

    What it draws on: the files of the corpus (a question's CSV: its own and
    those of the briefs rating it), EVERYTHING, or nothing but briefgen itself
    (the schemas). With the corpus's `inputs`, a `cache` folder and the `docs`
    folder, STIX and corpus.json copy the lines of unchanged parts from the
    files they replace. A brief's STIX bundle draws on the key of what it shows.
    With the `settings`, the MISP feed: its manifest draws on everything, each
    event on its brief and what the brief refers to.
    """
    nothing = frozenset()
    dates = stix_dates(corpus, inputs, cache)

    def stix_lines(corpus, findings, parts):
        return stix.stix_lines(corpus, findings, parts, settings, dates)

    @functools.cache
    def brief_bundles() -> stix.BriefBundles:  # shared by the briefs' bundles made in one process
        return stix.BriefBundles(corpus, findings, settings, dates)

    out = {
        "data/corpus.json": (EVERYTHING, lambda: _spliced("corpus", exports.corpus_json_lines, corpus, findings, inputs, cache,
                                                          docs / "data/corpus.json" if docs else None)),
        "data/corpus.schema.json": (nothing, exports.corpus_schema_json),
        "data/stix-bundle.json": (EVERYTHING, lambda: _spliced("stix", stix_lines, corpus, findings, inputs, cache,
                                                               docs / "data/stix-bundle.json" if docs else None,
                                                               lambda i: stix_part_keys(i, corpus, settings, dates))),
    }
    brief_keys = brief_stix_keys(inputs, corpus, settings, dates) if inputs is not None else {}
    for b in corpus.briefs:
        out[stix.brief_bundle_path(b)] = (brief_keys.get(b, EVERYTHING), lambda b=b: brief_bundles().bundle(b))
    for q in findings.matrices:
        out[exports.ach_csv_path(q)] = (inputs.entity("question", q) if inputs else EVERYTHING, functools.partial(exports.ach_csv, corpus, findings, q))
    if settings is not None:
        for rel, (brief, make) in misp.feed_files(corpus, settings).items():
            out[rel] = (inputs.briefs([brief]) if inputs is not None and brief is not None else EVERYTHING, make)
        # the manifest, an entry a brief, is made over the one it replaces, as STIX and corpus.json
        out[misp.MANIFEST] = (EVERYTHING, lambda: _spliced("misp-manifest", lambda c, f, parts: misp.manifest_lines(c, settings, parts), corpus,
                                                           findings, inputs, cache, docs / misp.MANIFEST if docs else None,
                                                           lambda i: misp_part_keys(i, settings)))
    for kind in schemas.KINDS:
        out[f"schema/{kind}.schema.json"] = (nothing, functools.partial(schemas.schema_json, kind))
    return out
