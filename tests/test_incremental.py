"""Incremental builds: after any edit, rendering over the previous docs folder gives
byte for byte the files a fresh render gives, and only the pages that show the
edit are rendered again; every other file keeps its bytes and its mtime."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import yaml

import support
import synthetic
from generator.build import driver as pipeline
from generator.build import files, incremental, render
from generator.config import Project
from generator.output import pages


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A synthetic corpus of 40 briefs with shared actors, sources, questions, contradictions."""
    out = tmp_path_factory.mktemp("incr") / "corpus"
    synthetic.generate(40, out, seed=7, restricted=0.05)
    synthetic.copy_project_files(out)
    return out


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Listings paginated at 40 briefs as they are at thousands (`support.SMALL_PAGES`)."""
    support.small_pages(monkeypatch)


def _generate(root: Path):
    """As `briefgen build` generates: resumed from the last build's snapshot when it can be."""
    project = Project(root)
    settings = project.settings()
    return pipeline.generate(project, settings, pipeline.policy_for(settings), workers=1)


def _render(root: Path):
    return _generate(root).rendered


def _fresh_docs(root: Path, tmp_path: Path) -> Path:
    """The docs folder a fresh build of the same briefs gives (a copy of the project without its build folder)."""
    fresh_root = tmp_path / "fresh"
    shutil.copytree(root, fresh_root, ignore=shutil.ignore_patterns("build"))
    _render(fresh_root)
    return fresh_root / "build/docs"


def _tree(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}


def _stats(docs: Path) -> dict[str, int]:
    return {p.relative_to(docs).as_posix(): p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), "utf-8")


def _briefs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "briefs").rglob("*.yaml") if p.parent.name.isdigit())


def _first(root: Path, folder: str) -> Path:
    return sorted((root / "briefs" / folder).glob("*.yaml"))[0]


def _published_brief(root: Path, index: int = 0) -> Path:
    return [p for p in _briefs(root) if yaml.safe_load(p.read_text("utf-8")).get("tlp", "clear") == "clear"][index]


def _claim_elsewhere(root: Path, not_in: Path) -> str:
    for p in _briefs(root):
        data = yaml.safe_load(p.read_text("utf-8"))
        if p != not_in and data.get("tlp", "clear") == "clear" and data.get("status", "published") == "published" and data.get("claims"):
            return data["claims"][0]["id"]
    raise AssertionError("no other published claim")


def _statement(root: Path):
    _edit(_published_brief(root), lambda d: d["claims"][0].update(statement="An edited statement about the convoy."))


def _brief_title(root: Path):
    # a brief's title shows wherever the brief is referred to, and in the list of briefs
    _edit(_published_brief(root, 6), lambda d: d.update(title="An edited title for the brief"))


def _analysis_title(root: Path):
    # an analysis's title is its row in the ACH matrices of the questions it bears on
    def change(d):
        d["analyses"][0]["title"] = "An edited analysis title"
    _edit(next(p for p in _briefs(root)[7:] if _is_published(p) and yaml.safe_load(p.read_text("utf-8")).get("analyses")), change)


def _is_published(path: Path) -> bool:
    data = yaml.safe_load(path.read_text("utf-8"))
    return data.get("tlp", "clear") == "clear" and data.get("status", "published") == "published"


def _regrade_source(root: Path):
    def change(d):
        d["reliability"] = "A" if d["reliability"] != "A" else "E"
    _edit(_first(root, "sources"), change)


def _rename_source(root: Path):
    _edit(_first(root, "sources"), lambda d: d.update(name="Renamed Gazette"))


def _rename_actor(root: Path):
    _edit(_first(root, "actors"), lambda d: d.update(name="Renamed Front"))


def _add_relation(root: Path):
    actors = sorted((root / "briefs/actors").glob("*.yaml"))
    target = actors[-1].stem
    _edit(actors[0], lambda d: d.setdefault("relations", []).append({"type": "allied-with", "actor": target}))


def _withhold_brief(root: Path):
    # a brief nobody refers to, so withholding it breaks no reference
    project = Project(root)
    g = pipeline.validate(project, pipeline.policy_for(project.settings()))
    from generator.build.incremental import Inputs
    inputs = Inputs(g.corpus)
    for p in _briefs(root):
        if p.stem in g.corpus.briefs and not inputs.referrers.get(f"brief:{p.stem}"):
            _edit(p, lambda d: d.update(tlp="amber"))
            return
    raise AssertionError("every brief is referred to")


def _move_claim_year(root: Path):
    def change(d):
        d["claims"][0]["reported"] = "2011-05-02"
        d["claims"][0].pop("occurred", None)
    _edit(_published_brief(root, 1), change)


def _credibility(root: Path):
    def change(d):
        d["claims"][0]["credibility"] = 1 if d["claims"][0]["credibility"] != 1 else 5
    _edit(_published_brief(root, 4), change)


def _reported_same_year(root: Path):
    # the claim keeps its year but moves within it: the year's months, a code's pager order
    def change(d):
        c = d["claims"][0]
        year = str(c["reported"])[:4]
        c["reported"] = f"{year}-01-01" if not str(c["reported"]).startswith(f"{year}-01") else f"{year}-12-28"
    _edit(_published_brief(root, 5), change)


def _hypothesis(root: Path):
    _edit(_first(root, "questions"), lambda d: d["hypotheses"][0].update(statement="An edited hypothesis."))


def _contradiction(root: Path):
    brief = _published_brief(root, 2)
    other = _claim_elsewhere(root, brief)
    _edit(brief, lambda d: d["claims"][0].setdefault("contradicts", []).append(other))


def _statement_shown_elsewhere(root: Path):
    # a claim that a claim of another brief contradicts or corroborates shows on that brief's page too
    published = {p: d for p in _briefs(root) if (d := yaml.safe_load(p.read_text("utf-8"))).get("tlp", "clear") == "clear"
                 and d.get("status", "published") == "published"}
    where = {c["id"]: p for p, d in published.items() for c in d.get("claims", [])}
    linked = [o for p, d in published.items() for c in d.get("claims", []) for o in (*c.get("contradicts", []), *c.get("corroborates", []))
              if o in where and where[o] != p]
    assert linked, "the corpus must link claims across briefs"
    _edit(where[linked[0]], lambda d: next(c for c in d["claims"] if c["id"] == linked[0]).update(statement="An edited statement shown elsewhere."))


def _new_brief(root: Path):
    source = _published_brief(root, 3)
    data = yaml.safe_load(source.read_text("utf-8"))
    data["title"] = "A new brief"
    data.pop("judgments", None)
    data.pop("analyses", None)
    for i, claim in enumerate(data["claims"]):
        claim["id"] = f"new-brief-claim-{i}"
        claim.pop("contradicts", None)
        claim.pop("corroborates", None)
    (source.parent / "new-brief.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def _archive_kept(root: Path):
    # an archived copy kept under evidence/ and cited: the words of a brief change, and the file joins the site
    copy = b"<p>The page as it was captured.</p>\n"
    (root / "evidence/2024").mkdir(parents=True, exist_ok=True)
    (root / "evidence/2024/copy.html").write_bytes(copy)
    archive = {"url": "evidence/2024/copy.html", "captured": "2024-01-02", "sha256": hashlib.sha256(copy).hexdigest()}
    _edit(_published_brief(root, 2), lambda d: d["claims"][0].update(archive=archive))


def _coordinates(root: Path):
    # a point on the map of its brief's page and of the pages of the actors it concerns, which other briefs fill too
    def change(d):
        claim = next(c for c in d["claims"] if c.get("actors"))
        claim.update(location="Idleb", coordinates=[35.93, 36.63], location_basis="assessed")
    _edit(next(p for p in _briefs(root)[3:] if _is_published(p) and any(c.get("actors") for c in yaml.safe_load(p.read_text("utf-8")).get("claims") or [])), change)


EDITS = {
    "claim statement": _statement,
    "brief title": _brief_title,
    "analysis title": _analysis_title,
    "source grade": _regrade_source,
    "source name": _rename_source,
    "actor name": _rename_actor,
    "new relation": _add_relation,
    "brief withheld": _withhold_brief,
    "claim moved to another year": _move_claim_year,
    "claim credibility": _credibility,
    "claim date within its year": _reported_same_year,
    "hypothesis statement": _hypothesis,
    "new contradiction": _contradiction,
    "claim shown on another brief's page": _statement_shown_elsewhere,
    "new brief": _new_brief,
    "archived copy kept": _archive_kept,
    "claim coordinates": _coordinates,
}
RESUMED = {"claim statement", "brief title", "analysis title", "archived copy kept", "claim coordinates",
           "claim shown on another brief's page"}  # only words changed: the snapshot is patched


@pytest.mark.parametrize("name", list(EDITS))
def test_incremental_render_equals_fresh_render(generated, tmp_path, name):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    docs = root / "build/docs"
    before, mtimes = _tree(docs), _stats(docs)

    EDITS[name](root)
    generated = _generate(root)
    assert generated.resumed == (name in RESUMED)
    result = generated.rendered
    after = _tree(docs)

    fresh = _tree(_fresh_docs(root, tmp_path))

    assert after.keys() == fresh.keys()
    differing = sorted(k for k in fresh if after[k] != fresh[k])
    assert not differing, f"stale after '{name}': {differing[:10]}"
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed, "the edit must show somewhere"
    if name == "claim coordinates":  # the maps of the brief and of its claim's actors
        assert {k.split("/")[0] for k in changed if b'<figure class="bg-map"' in after[k]} == {"briefs", "actors"}
    assert set(result.written) == changed
    # files that did not change keep their mtime: mkdocs and rsync see them as untouched
    now = _stats(docs)
    assert all(now[k] == mtimes[k] for k in after if k in before and k not in changed)


def test_only_pages_showing_an_edited_brief_are_rendered_again(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    full = _render(root)
    again = _render(root)
    assert again.rendered == [] and again.written == [] and again.skipped == len(full.rendered)

    edited = _published_brief(root)
    _statement(root)
    result = _render(root)
    # brief pages: the edited one and those of briefs it refers to or that refer to it
    g = pipeline.validate(Project(root), pipeline.policy_for(Project(root).settings()))
    from generator.build.incremental import Inputs
    inputs = Inputs(g.corpus)
    me = f"brief:{edited.stem}"
    related = {k.split(":", 1)[1] for k in inputs.refs[me] | inputs.referrers[me] | {me} if k.startswith("brief:")}
    briefs = {p.split("/")[1][:-3] for p in result.rendered if p.startswith("briefs/") and p.endswith(".md") and p != "briefs/index.md"}
    assert edited.stem in briefs and briefs <= related
    # of those, only the pages that show the edited claim (contradicting or corroborating one of theirs, or a judgment's basis)
    claim = yaml.safe_load(edited.read_text("utf-8"))["claims"][0]["id"]
    docs = root / "build/docs"
    showing = {p.stem for p in docs.glob("briefs/*.md") if f"../{edited.stem}/#{claim}" in p.read_text("utf-8")}
    assert briefs == {edited.stem} | showing and len(related) > len(briefs), "the brief must be linked to briefs not showing the claim"
    # the briefs' own STIX bundles: the edited brief's and those of briefs linking to its claims
    bundles = {p.split("/")[1] for p in result.rendered if p.startswith("briefs/") and p.endswith("/stix.json")}
    linking = {k.split(":", 1)[1] for k in inputs.referrers[me] if k.startswith("brief:")}
    assert edited.stem in bundles and bundles <= {edited.stem} | linking
    # source pages: those that list the edited claim (its source's, a relaying source's), not every source of its brief
    showing = {p.stem for p in docs.glob("sources/*.md") if f"/briefs/{edited.stem}/#{claim}" in p.read_text("utf-8")}
    sources = {p.split("/")[1][:-3] for p in result.rendered if p.startswith("sources/") and p != "sources/index.md"}
    own = {k.split(":", 1)[1] for k in inputs.refs[me] if k.startswith("source:")}
    assert showing and sources == showing and len(own) > len(showing), "the brief must cite sources that do not list the claim"
    # actor pages: likewise, those that list or map the edited claim, not every actor of its brief: the
    # claim's actors' own pages (whose context holds all their claims) and the further page listing it
    concerned = set(yaml.safe_load(edited.read_text("utf-8"))["claims"][0]["actors"])
    showing = {p.relative_to(docs).as_posix() for p in [*docs.glob("actors/*.md"), *docs.glob("actors/*/*.md")]
               if f"/briefs/{edited.stem}/#{claim}" in p.read_text("utf-8")}
    actors = {p for p in result.rendered if p.startswith("actors/") and p != "actors/index.md"}
    named = {k.split(":", 1)[1] for k in inputs.refs[me] if k.startswith("actor:")}
    assert showing and actors == showing | {f"actors/{a}.md" for a in concerned}
    assert len(named) > len(concerned), "the brief must name actors the claim does not"


def test_a_statement_edit_renders_only_the_listing_pages_that_show_its_brief(generated, tmp_path):
    """Indexes count a brief's claims and pagers order them: a change of words leaves both alone."""
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    edited = _published_brief(root)
    _statement(root)
    result = _render(root)
    assert "briefs/" + edited.stem + ".md" in result.written
    indexes = {"briefs/index.md", "actors/index.md", "sources/index.md", "reliability/index.md", "hypotheses/index.md", "timeline/index.md"}
    assert not indexes & set(result.rendered)
    docs = root / "build/docs"
    paged = {p.relative_to(docs).as_posix() for p in [*docs.glob("reliability/*/*.md"), *docs.glob("contradictions/*.md"),
                                                      *docs.glob("actors/*/*.md")]}
    assert len(paged) > 10 and any(p.startswith("actors/") for p in paged), "the listings must be paginated for this test to mean anything"
    again = [p for p in result.rendered if p in paged]
    # each listing page rendered again shows the edited claim, not just another item of its brief
    claim = yaml.safe_load(edited.read_text("utf-8"))["claims"][0]["id"]
    assert again and all(f"/briefs/{edited.stem}/#{claim}" in (docs / p).read_text("utf-8") for p in again)
    assert len(again) < len(paged) / 2


def _in_place(path: Path, old: bytes, new: bytes) -> None:
    """Write `new` over a file holding `old`, in place: the same size, inode and mtime (as a tool
    that restores the mtime leaves it; `touch -d` too)."""
    st = path.stat()
    assert path.read_bytes() == old and len(new) == len(old) and new != old
    with open(path, "r+b") as f:
        f.write(new)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)


def test_words_edited_in_place_with_the_mtime_kept_render_again(generated, tmp_path):
    """A claim's statement changed in place, the file's size, inode and mtime kept: whether a file
    changed is told from its bytes, so the pages that show it are rendered again, as in a fresh build."""
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    brief = _published_brief(root)
    text = brief.read_bytes()
    statement = yaml.safe_load(text)["claims"][0]["statement"].encode("utf-8")
    at = text.index(statement[:40])
    _in_place(brief, text, text[:at] + statement[:40].swapcase() + text[at + 40:])
    generated = _generate(root)
    assert generated.resumed and f"briefs/{brief.stem}.md" in generated.rendered.written
    assert _tree(root / "build/docs") == _tree(_fresh_docs(root, tmp_path))


def test_files_no_page_claims_are_removed_with_the_folders_they_leave_empty(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    docs = root / "build/docs"
    (docs / "old/deeper").mkdir(parents=True)
    (docs / "old/deeper/stale.md").write_text("# a page from an earlier build\n", "utf-8")
    (docs / "briefs/renamed-brief.md").write_text("# gone\n", "utf-8")
    kept = _tree(docs)
    result = _render(root)
    assert result.removed == ["old/deeper/stale.md", "briefs/renamed-brief.md"]
    assert not (docs / "old").exists()
    assert _tree(docs) == {k: v for k, v in kept.items() if k not in result.removed}


def test_a_template_change_renders_every_page_of_it(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    template = root / "templates/source.md.j2"
    template.write_text(template.read_text("utf-8") + "\nEdited template.\n", "utf-8")
    _render(root)
    sources = list((root / "build/docs/sources").glob("*.md"))
    assert sources and all(p.read_text("utf-8").endswith("Edited template.\n") for p in sources if p.name != "index.md")


@pytest.mark.parametrize("stamp", ["mtime changed", "size and mtime kept"])
def test_a_file_changed_by_hand_in_the_docs_folder_is_rendered_again(generated, tmp_path, stamp):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    page = next((root / "build/docs/actors").glob("*.md"))
    good = page.read_bytes()
    if stamp == "mtime changed":
        page.write_bytes(b"scribbled")
        os.utime(page, ns=(1, 1))
    else:
        _in_place(page, good, good.replace(b"#", b"?"))
    _render(root)
    assert page.read_bytes() == good


def test_unchanged_files_come_from_the_model_cache_and_errors_keep_their_positions(generated, tmp_path):
    from generator.build.cache import ModelCache
    from generator.errors import ContentError
    from generator.build.loading import load_corpus

    root = tmp_path / "project"
    shutil.copytree(generated, root)
    project = Project(root)
    _render(root)
    cache = ModelCache(project.cache)
    docs, _ = load_corpus(project.briefs, project.root, cache)
    assert cache.hits == len(docs)

    # a new actor file reusing the id of a cached one: the message points into both files
    actor = _first(root, "actors")
    copy = root / "briefs/actors/zz-copy.yaml"
    copy.write_text(actor.read_text("utf-8"), "utf-8")
    brief = _published_brief(root)
    text = brief.read_text("utf-8")
    claim_id = yaml.safe_load(text)["claims"][0]["id"]
    other = _published_brief(root, 1)
    other.write_text(other.read_text("utf-8").replace("claims:\n", f"claims:\n  - id: \"{claim_id}\"\n    statement: \"Again.\"\n    source: \"nobody\"\n    reported: \"2020\"\n    credibility: 2\n", 1), "utf-8")
    with pytest.raises(ContentError) as err:
        pipeline.validate(project, pipeline.policy_for(project.settings()))
    shown = [str(p) for p in err.value.problems]
    line = text.splitlines().index(f'  - id: "{claim_id}"') + 1
    assert any(f"already used at {brief.relative_to(root).as_posix()}:{line}:" in s for s in shown), shown
    assert any("nobody" in s for s in shown), shown


def test_caches_of_another_briefgen_version_are_dropped_and_this_ones_kept(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    cache = Project(root).cache
    (cache / "models" / "0123456789abcdef").mkdir(parents=True)  # what an older briefgen left
    _render(root)
    kept = [p.name for p in (cache / "models").iterdir()]
    assert len(kept) == 1 and kept[0] != "0123456789abcdef"
    assert any((cache / "models" / kept[0]).iterdir()), "this version's models are kept"


def test_a_resumed_build_has_the_corpus_and_analysis_a_fresh_one_has(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _generate(root)
    _statement(root)
    _analysis_title(root)
    resumed = _generate(root)
    fresh = pipeline.validate(Project(root), pipeline.policy_for(Project(root).settings()))
    assert resumed.resumed
    for table in ("briefs", "claims", "analyses", "judgments", "actors", "sources", "questions", "brief_of", "claims_by_actor"):
        assert getattr(resumed.corpus, table) == getattr(fresh.corpus, table), table
    assert resumed.findings == fresh.findings
    assert {k: d.digest for k, (d, _) in resumed.corpus.origins.items()} == {k: d.digest for k, (d, _) in fresh.corpus.origins.items()}


def _page(page: pages.Page) -> tuple:
    """What a listed page is made of; the makers of its late context by what they call."""
    late = {name: (make.func, make.args, make.keywords) for name, make in page.late.items()}
    return page.path, page.template, page.context, page.inputs, late


def test_a_listing_of_some_pages_gives_them_as_the_whole_list_does(generated):
    """A resumed build lists only the pages it renders again (`pages.pages`' `only`): each page, alone or
    among others, comes out as the whole list gives it, in the same order, and no other page with it."""
    project = Project(generated)
    settings = project.settings()
    g = pipeline.validate(project, pipeline.policy_for(settings))
    for inputs in (None, incremental.Inputs(g.corpus)):
        whole = [_page(p) for p in pages.pages(g.corpus, g.findings, settings, inputs)]
        paths = [p[0] for p in whole]
        assert any(p.startswith("timeline/") and p.count("/") == 2 for p in paths), "a long year must have month pages"
        assert any(p.startswith("reliability/") and p.count("/") == 2 for p in paths), "an Admiralty code must have pages"
        for page in whole:
            assert [_page(p) for p in pages.pages(g.corpus, g.findings, settings, inputs, only={page[0]})] == [page], page[0]
        for some in (set(paths[1::3]), set(paths[2::3])):  # with the list of every brief, and without it
            assert [_page(p) for p in pages.pages(g.corpus, g.findings, settings, inputs, only=some)] == [p for p in whole if p[0] in some]
        assert list(pages.pages(g.corpus, g.findings, settings, inputs, only=["briefs/no-such-brief.md"])) == []


def test_a_page_rendered_from_an_edit_since_reverted_is_rendered_again(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _generate(root)
    docs = root / "build/docs"
    first = _tree(docs)
    brief = _published_brief(root)
    original = brief.read_bytes()
    _statement(root)
    edited = _generate(root)
    assert edited.resumed and f"briefs/{brief.stem}.md" in edited.rendered.written
    brief.write_bytes(original)  # back as it was when the snapshot was taken
    reverted = _generate(root)
    assert reverted.resumed
    assert set(reverted.rendered.written) == set(edited.rendered.written)
    assert _tree(docs) == first


def test_an_edit_that_breaks_a_brief_is_reported_with_its_position_not_resumed_over(generated, tmp_path):
    from generator.errors import ContentError

    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _generate(root)
    brief = _published_brief(root)
    text = brief.read_text("utf-8")
    brief.write_text(text.replace("claims:\n", "claims:\n  - credibility: 9\n", 1), "utf-8")
    with pytest.raises(ContentError) as err:
        _generate(root)
    assert any(p.path.endswith(brief.name) and p.line > 1 for p in err.value.problems), err.value.problems
    brief.write_text(text, "utf-8")
    assert _generate(root).resumed  # the snapshot of the last good build is still there


def test_the_same_project_reached_by_another_path_renders_nothing_again(generated, tmp_path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    monkeypatch.chdir(tmp_path)
    again = _render(Path("project"))  # relative, as `briefgen -C project build` from the parent folder
    assert again.rendered == []


def test_models_pickle_and_unpickle_to_equal_models(generated):
    """Models are pickled as their fields (the model cache and the snapshot): nothing is lost."""
    import pickle

    g = pipeline.validate(Project(generated), pipeline.policy_for(Project(generated).settings()))
    for brief in list(g.corpus.briefs.values())[:10]:
        again = pickle.loads(pickle.dumps(brief, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == brief and again.model_fields_set == brief.model_fields_set
        assert again.model_dump() == brief.model_dump() and type(again.claims[0]) is type(brief.claims[0])
    findings = pickle.loads(pickle.dumps(g.findings, protocol=pickle.HIGHEST_PROTOCOL))  # ACH rows are pickled as their fields
    assert findings == g.findings and any(m.rows for m in findings.matrices.values())


@pytest.mark.parametrize("stamp", ["mtime changed", "size and mtime kept"])
def test_a_stix_bundle_changed_by_hand_is_made_again_not_copied_from(generated, tmp_path, stamp):
    """An incremental build copies unchanged objects' lines from the last bundle, never from one edited since."""
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _render(root)
    bundle = root / "build/docs/data/stix-bundle.json"
    good = bundle.read_bytes()
    at = good.index(b'"type":"note"')
    changed = good[:at] + b'"type":"XXXX"' + good[at + len(b'"type":"note"'):]  # the same size
    if stamp == "mtime changed":
        bundle.write_bytes(changed)
    else:
        _in_place(bundle, good, changed)
    _statement(root)
    _render(root)
    assert bundle.read_bytes() == (_fresh_docs(root, tmp_path) / "data/stix-bundle.json").read_bytes()
    assert b'"type":"XXXX"' not in bundle.read_bytes()


def test_a_damaged_snapshot_is_not_resumed_from_and_a_killed_writers_leftovers_go(generated, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _generate(root)
    cache = Project(root).cache
    [kept] = cache.glob("snapshot.*.pickle")
    kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 2])  # cut short
    leftover = cache / f".{kept.name}.tmp999999"
    leftover.write_bytes(b"half a snapshot")
    _statement(root)
    again = _generate(root)
    assert not again.resumed and again.rendered.written
    assert not leftover.exists() and list(cache.glob("snapshot.*.pickle")) == [kept]
    assert _tree(root / "build/docs") == _tree(_fresh_docs(root, tmp_path))
    _statement(root)  # the same words written again: the new snapshot is resumed from, nothing changes
    last = _generate(root)
    assert last.resumed and last.rendered.written == []


def test_a_resumed_build_writes_a_new_snapshot_once_enough_briefs_were_edited(generated, tmp_path, monkeypatch):
    from generator.build import snapshot

    monkeypatch.setattr(snapshot, "REFRESH_AFTER", 2)
    root = tmp_path / "project"
    shutil.copytree(generated, root)
    _generate(root)
    brief = _published_brief(root)
    original = brief.read_bytes()
    _statement(root)
    assert _generate(root).edited == 1  # below the bound: the snapshot stays
    _brief_title(root)
    assert _generate(root).edited == 2  # at the bound: this build's state becomes the snapshot
    assert _generate(root).edited == 0
    brief.write_bytes(original)  # an edit since reverted, against the new snapshot
    reverted = _generate(root)
    assert reverted.resumed and reverted.edited == 1
    assert _tree(root / "build/docs") == _tree(_fresh_docs(root, tmp_path))


@pytest.mark.parametrize("pieces, same", [
    (lambda old: [b"head,", files.Span(old, 5, 6), b"-tail"], True),  # a span where it was, literal bytes as they were
    (lambda old: [b"head,", files.Span(old, 5, 6), b"-TAIL"], False),  # a piece that differs
    (lambda old: [b"head,", files.Span(old, 0, 6), b"-tail"], False),  # a span from elsewhere in the file
    (lambda old: [b"head,", files.Span(old, 5, 6)], False),  # shorter than the file
    (lambda old: [b"head,", files.Span(old, 5, 6), b"-tail", b"+"], False),  # longer
])
def test_a_spliced_file_knows_whether_it_replaces_the_same_bytes(tmp_path, pieces, same):
    """An export made of pieces of the file it replaces is compared as it is written, not read again whole."""
    target = tmp_path / "export.json"
    target.write_bytes(b"head,middle-tail")
    before = target.stat().st_mtime_ns
    os.utime(target, ns=(before - 10**9, before - 10**9))
    replaced = files.write_atomic(target, lambda out: files.write_pieces(out, pieces(str(target)), same_as=str(target)), unless_same=True)
    assert replaced is not same
    expected = b"".join(p if isinstance(p, bytes) else b"head,middle-tail"[p.offset:p.offset + p.length] for p in pieces(str(target)))
    assert target.read_bytes() == expected
    assert (target.stat().st_mtime_ns == before - 10**9) is same
    assert not list(tmp_path.glob(".*tmp*"))


def test_a_spliced_file_with_nothing_to_replace_is_written(tmp_path):
    target = tmp_path / "new.json"
    assert files.write_atomic(target, lambda out: files.write_pieces(out, [b"a", b"b"], same_as=str(target)), unless_same=True)
    assert target.read_bytes() == b"ab"


def test_the_exports_keys_of_an_edited_snapshot_are_those_worked_out_afresh(generated):
    """A resumed build makes again only the export keys an edit changes: they must be the keys
    worked out from scratch, or unchanged lines would be reused for a brief whose export changed."""
    import pickle

    project = Project(generated)
    corpus = pipeline.validate(project, pipeline.policy_for(project.settings())).corpus
    inputs = incremental.Inputs(corpus)
    inputs.brief_keys, inputs.question_keys, inputs.entities_key  # noqa: B018 - worked out, as a build that kept them
    referred = [k for k, who in inputs.referrers.items() if k.startswith("brief:") and any(w.startswith("brief:") for w in who)]
    question = next(k for q in corpus.questions for k in inputs.entity("question", q) if k.startswith("brief:"))
    assert referred, "the corpus has a brief another brief refers to"
    edited = {referred[0]: "0" * 32, question: "1" * 32}
    kept = pickle.loads(pickle.dumps(inputs))  # as a snapshot keeps them
    kept.edited(edited)
    for k, d in edited.items():
        inputs.digest[k] = d
        inputs.token[k] = incremental._token(k, d)
    inputs.everything = inputs._everything()
    for name in ("brief_keys", "question_keys", "entities_key"):
        inputs.__dict__.pop(name)
    assert kept.brief_keys == inputs.brief_keys
    assert kept.question_keys == inputs.question_keys
    assert kept.entities_key == inputs.entities_key


def test_the_stix_dates_kept_are_worked_out_again_when_a_brief_moves(generated, tmp_path):
    """The dates of the STIX objects are kept in the build cache under a key of what they are made of:
    a brief's new date, which an edit of words never changes, makes them again."""
    from generator.build import exports
    from generator.output import stix

    root = tmp_path / "project"
    shutil.copytree(generated, root)
    project = Project(root)

    def kept_and_fresh():
        g = pipeline.validate(project, pipeline.policy_for(project.settings()))
        return vars(exports.stix_dates(g.corpus, incremental.Inputs(g.corpus), project.cache)), vars(stix.Dates(g.corpus))

    kept, fresh = kept_and_fresh()
    assert kept == fresh
    _edit(_published_brief(root), lambda d: d.update(published="1999-01-02"))
    kept, moved = kept_and_fresh()
    assert kept == moved and moved != fresh


def test_a_builds_corpus_is_freed_as_soon_as_its_result_is_dropped(generated, tmp_path, monkeypatch):
    """After an edit's build of a large corpus (the exports in a worker, the few pages in this process),
    nothing the build leaves behind (its page environment: a reference cycle) keeps the corpus alive
    until the collector runs or the process exits: at 10,000 briefs that cost 1.3 s at exit."""
    import gc
    import weakref

    root = tmp_path / "project"
    shutil.copytree(generated, root)
    project = Project(root)
    settings = project.settings()
    briefs = len(pipeline.generate(project, settings, pipeline.policy_for(settings), workers=2).corpus.briefs)
    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", briefs)  # as at 10,000 briefs: the exports forked, not the pages
    _statement(root)
    gc.collect()
    gc.disable()  # freed by reference counting alone
    try:
        result = pipeline.generate(project, settings, pipeline.policy_for(settings), workers=2)
        assert result.resumed and 0 < len(result.rendered.written) < briefs
        corpus = weakref.ref(result.corpus)
        del result
        assert corpus() is None
    finally:
        gc.enable()


def test_builds_in_one_process_resume_from_the_state_kept_and_equal_fresh_ones(generated, tmp_path, monkeypatch):
    """As `briefgen serve` builds: each build resumes from the state the last good one kept in memory, not
    from the saved snapshot, whatever came between (edits of words, of shapes, an edit reverted, a broken
    edit, a build failed after it resumed), renders what a fresh build renders, and keeps its pages'
    fingerprints current (a build after it renders nothing)."""
    from generator.build import snapshot
    from generator.errors import ContentError

    root = tmp_path / "project"
    shutil.copytree(generated, root)
    project = Project(root)
    kept = snapshot.Kept()
    loads = []
    load = snapshot._load
    monkeypatch.setattr(snapshot, "_load", lambda cache: loads.append(cache) or load(cache))

    def build():
        loads.clear()
        settings = project.settings()
        return pipeline.generate(project, settings, pipeline.policy_for(settings), workers=1, kept=kept)

    def same_as_fresh(step):
        assert _tree(root / "build/docs") == _tree(_fresh_docs(root, tmp_path / step)), step
        assert build().rendered.rendered == [] and loads == [], f"{step}: rendered again with nothing changed"

    build()
    brief = _published_brief(root)
    original = brief.read_bytes()
    statement = lambda words: _edit(brief, lambda d: d["claims"][0].update(statement=words))  # noqa: E731
    for step, edit, resumed in [("statement", _statement, True), ("title", _brief_title, True),
                                ("reverted", lambda root: brief.write_bytes(original), True),
                                ("grade", _regrade_source, False), ("analysis", _analysis_title, True),
                                ("withheld", _withhold_brief, False), ("coordinates", _coordinates, True)]:
        edit(root)
        result = build()
        assert result.resumed == resumed and loads == [], f"{step}: the saved snapshot was read"
        same_as_fresh(step)

    good = brief.read_text("utf-8")
    brief.write_text(good.replace("claims:\n", "claims:\n  - credibility: 9\n", 1), "utf-8")
    with pytest.raises(ContentError):
        build()
    brief.write_text(good, "utf-8")
    statement("A statement edited once the brief was mended.")
    assert build().resumed and loads == []  # the broken edit changed nothing of the state kept
    same_as_fresh("mended")

    def failing(*args, **kwargs):
        raise ContentError([])
    with monkeypatch.context() as m:  # a build that fails once it has patched the state it resumed from
        m.setattr(render, "render", failing)
        statement("A statement edited before a build that failed.")
        with pytest.raises(ContentError):
            build()
    assert build().resumed and loads == [project.cache]  # from the saved snapshot
    same_as_fresh("after a failed build")
