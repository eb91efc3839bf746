"""Search for the built site: Pagefind when served, lunr over a trimmed index from file://.

mkdocs-material's search loads one lunr index of every page's full text into
the reader's browser before it can answer: for a large corpus that is a
large download and seconds of waiting. After mkdocs has built the site (in the
temporary folder, before the leak check and the swap), this stage makes two
indexes from it:

- **Pagefind** (`pagefind/`, run from the `pagefind-bin` package): a full-text
  index split into chunks, so that a query fetches only the chunks of its
  words and the fragments of the results it shows. It needs a web server: the
  page's search script (`assets/briefgen-search.js`) answers Material's search
  box from it when the site is served over http(s). Pagefind reads the
  `<article>` of every page that carries `data-pagefind-body` (the theme
  override leaves it off pages with `search: exclude` front matter), and skips
  elements marked `data-search-exclude` (the graphs).
- **lunr, trimmed** (`search/search_index.js`): from a `file://` copy a page
  can neither fetch nor start a worker, so the same script runs Material's lunr
  worker in a frame over an index inlined as a script. That index keeps one
  entry per page (its title and the start of its text, which on actor pages
  holds every name and alias) and drops sections and long text, so it stays
  small enough to load and index for a large corpus. An actor's names and
  aliases go in the entry's tags, the field lunr weighs most, and show under
  the result. Each field holding Arabic has a twin (`title_folded`,
  `text_folded`, `tags_folded`, weighed alike) with its Arabic words folded
  as search folds them (`output.folding`), and the page's script folds the
  query the same way, so that a name is found however its Arabic is spelt.
  Pagefind reads the folded spellings of names from a paragraph of actor and
  source pages that readers do not see (`bg-folded`).

Material's bundle still fetches `search/search_index.json` on every page view
over http(s); it is left with the search configuration and no documents.
Both indexes are written in a stable order: two builds are byte-identical.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import InclusionLevel

from generator.output import folding

# text kept per page in the offline (lunr) index: enough for a brief's bottom
# line, an actor's names and aliases, a source's grade line
PAGE_TEXT_LIMIT = 280
PAGEFIND = "pagefind"  # the bundle's folder in the site
WRITTEN = ("search/", PAGEFIND + "/")  # the folders of the site this step writes whole, on every build
# Pagefind's ready-made search interfaces: the site uses Material's search box instead
_PAGEFIND_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                    "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
# what Pagefind leaves out of the pages it reads: what Material's search leaves out
# (the graphs, history charts and maps; Material strips their data-search-exclude from the page), permalink
# signs, the lists of section index pages (each entry has a page of its own), and
# the lists of claims and analyses on actor and source pages (found on their briefs)
EXCLUDE_SELECTORS = ("[data-search-exclude]", "figure.bg-graph", "figure.bg-chart", "a.headerlink", "[data-bg-listing] table", "[data-bg-listing] ul",
                     "[data-bg-listing] ol", "[data-bg-listing] figure", "[data-bg-repeats] ul",
                     "figure.bg-map")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_PARTIAL_ENTITY = re.compile(r"&[#\w]*$")


class SearchError(Exception):
    pass


def _plain(text: str) -> str:
    """Index text is HTML (already escaped): drop the tags, keep the escapes."""
    return _SPACE.sub(" ", _TAG.sub(" ", text)).strip()


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space, never inside an escape; ` …` marks a cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 2]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return _PARTIAL_ENTITY.sub("", cut).rstrip() + " …"


def _limit(entry: dict, limit: int) -> int:
    """Boosted pages (actors) keep three times as much: every name, alias and plain spelling."""
    return limit * 3 if "boost" in entry else limit


def trim_docs(docs: list[dict], limit: int = PAGE_TEXT_LIMIT) -> list[dict]:
    """One entry per page: its title and the first `limit` characters of its text (page text, then its sections')."""
    pages: dict[str, dict] = {}
    texts: dict[str, list[str]] = {}
    for doc in docs:
        page, _, anchor = doc["location"].partition("#")
        if page not in pages:
            entry = {"location": page, "title": doc["title"] if not anchor else page, "text": ""}
            pages[page] = entry
            texts[page] = []
        if not anchor:
            pages[page]["title"] = doc["title"]
            for key in ("boost", "tags"):
                if key in doc:
                    pages[page][key] = doc[key]
        if sum(len(t) for t in texts[page]) < _limit(pages[page], limit):
            text = _plain(doc.get("text", ""))
            if text:
                texts[page].append(text)
    for page, entry in pages.items():
        entry["text"] = _cut(" ".join(texts[page]), _limit(entry, limit))
    return list(pages.values())


_H1_END = re.compile(r"</h1\s*>", re.I)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_EXCLUDED = re.compile(r"<[a-z]+\b[^>]*\bdata-search-exclude\b", re.I)
# an actor page's other names: "Also known as: A · B" and "Also searched as: C, D" (templates/actor.md.j2)
_ALIASES = re.compile(r'<p class="bg-aliases"[^>]*>(?:<strong>[^<]*</strong>)?(.*?)</p>', re.S)
_SEARCH_TERMS = re.compile(r'<p class="bg-search-terms"[^>]*>[^:<]*:(.*?)</p>', re.S)
_NATIVE_NAME = re.compile(r'<p class="bg-native-name"[^>]*>(?:<strong>[^<]*</strong>)?(.*?)</p>', re.S)
_FOLDED = re.compile(r'<p class="bg-folded"[^>]*>.*?</p>', re.S)  # for Pagefind: the offline index folds its own
FOLDED = "_folded"  # the suffix of the offline index's fields of folded Arabic


def _names(content: str) -> list[str]:
    names: list[str] = []
    for pattern, sep in ((_NATIVE_NAME, None), (_ALIASES, " · "), (_SEARCH_TERMS, ", ")):
        m = pattern.search(content)
        if m:
            text = html.unescape(_TAG.sub("", m.group(1)))
            for name in text.split(sep) if sep else [text]:
                name = html.escape(" ".join(name.split()), quote=False)
                if name and name not in names:
                    names.append(name)
    return names


def page_entry(page, limit: int = PAGE_TEXT_LIMIT) -> dict:
    """The offline index's entry for a page, from its HTML: title, and the start of its text after the h1."""
    content = page.content or ""
    m = _H1_END.search(content)
    head = _FOLDED.sub("", content[m.end() if m else 0:][: limit * 60])
    excluded = _EXCLUDED.search(head)
    if excluded:
        head = head[:excluded.start()]
    text = html.escape(html.unescape(_plain(_HEADERLINK.sub("", head))), quote=False)
    title = html.escape(html.unescape(str(page.meta.get("title") or page.title or "")), quote=False)
    entry = {"location": page.url, "title": title, "text": text}
    tags = page.meta.get("tags")
    if isinstance(tags, list):
        entry["tags"] = [str(t) for t in tags if isinstance(t, (str, int, float, bool))]
    names = _names(content)
    if names:  # lunr's tags field weighs most: an actor is found first by any of its names
        entry["tags"] = entry.get("tags", []) + names
    search = page.meta.get("search") or {}
    if isinstance(search, dict) and "boost" in search:
        entry["boost"] = search["boost"]
    entry["text"] = _cut(text, _limit(entry, limit))
    return entry


class LightIndexPlugin(BasePlugin):
    """Makes mkdocs-material's search plugin index each page's title and first words only.

    Material parses every page into sections of full text (a large part of the
    build's time), most of which the offline index then drops.
    This plugin, added by the build after Material's (`attach`), replaces that
    step of Material's index with page_entry(); if Material's plugin is not
    there or not of the expected shape it does nothing (`active` stays False),
    and write_offline_index() trims the full index after the build as before.

    It also keeps what an incremental build needs to complete the index of the
    pages it did not build again: each built page's entry, and the order of
    every page.
    """

    def __init__(self):
        super().__init__()
        self.active = False
        self.entries: dict[str, dict | None] = {}  # each page built, by URL: its entry; None if left out of search
        self.order: list[str] = []  # every page's URL, in the order mkdocs builds them and Material indexes them
        self.material: list[dict] | None = None  # Material's list of the index's entries, which this fills

    @event_priority(-100)  # after Material's own on_config, which makes its index
    def on_config(self, config):
        plugin = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(plugin, "search_index", None)
        if index is None or not hasattr(index, "add_entry_from_context") or not isinstance(getattr(index, "entries", None), list):
            return config

        def add_entry_from_context(page):
            search = page.meta.get("search") or {}
            if isinstance(search, dict) and search.get("exclude"):
                self.entries[page.url] = None
                return
            entry = self.entries[page.url] = page_entry(page)
            index.entries.append(entry)

        index.add_entry_from_context = add_entry_from_context
        self.material = index.entries
        self.active = True
        return config

    def on_env(self, env, config, files):
        self.order = [f.page.url for f in files.documentation_pages(inclusion=InclusionLevel.is_included) if f.page is not None]
        return env

    def release(self) -> None:
        """Let go of every page's entry and URL once the build has used them: mkdocs keeps its last plugins
        until the next build, and a preview, which freezes what is alive when it generates, would keep
        them for good."""
        self.entries, self.order = {}, []
        if self.material is not None:
            self.material.clear()

    def docs(self, kept: dict[str, dict] | None = None) -> list[dict]:
        """The index's entries in its order: of the pages built, else of `kept` (an earlier build's, by URL)."""
        kept = kept or {}
        found = (self.entries[url] if url in self.entries else kept.get(url) for url in self.order)
        return [entry for entry in found if entry is not None]


def attach(config) -> LightIndexPlugin:
    """Add LightIndexPlugin to a loaded mkdocs configuration."""
    plugin = config.plugins["briefgen/light-search-index"] = LightIndexPlugin()
    return plugin


def write_offline_index(site_dir: Path, docs: list[dict] | None = None, limit: int = PAGE_TEXT_LIMIT, stub: bool = True) -> None:
    """search_index.json (full, from Material) -> search_index.js (trimmed, for file://) + a stub .json.

    `docs`, when given, are the entries to index instead of those of Material's file (an incremental
    build's, of every page). Without `stub` (a site without Pagefind: the preview) the .json keeps
    the trimmed entries, and Material's own search answers from them when the site is served."""
    folder = site_dir / "search"
    source = folder / "search_index.json"
    if not source.exists():
        return
    index = json.loads(source.read_text("utf-8"))
    docs = fold_docs(trim_docs(index.get("docs", []) if docs is None else docs, limit))
    config = folded_config(index["config"])
    data = json.dumps({"config": config, "docs": docs}, ensure_ascii=False, separators=(",", ":"))
    script = "var __index = " + data + "\n"
    (folder / "search_index.js").write_text(script, "utf-8")
    source.write_text(json.dumps({"config": config, "docs": [] if stub else docs}, separators=(",", ":")), "utf-8")


_FOLDABLE = ("title", "text", "tags")


def folded_config(config: dict) -> dict:
    """Material's search configuration with a field for the folded Arabic of each of title, text and tags, weighed as it."""
    fields = config.get("fields")
    if not isinstance(fields, dict):
        return config
    return {**config, "fields": {**fields, **{f + FOLDED: dict(fields[f]) for f in _FOLDABLE if isinstance(fields.get(f), dict)}}}


def fold_docs(docs: list[dict]) -> list[dict]:
    """Each entry with the folded forms of its Arabic words that folding changes, beside each field."""
    for doc in docs:
        for field in _FOLDABLE:
            value = doc.get(field)
            if isinstance(value, str) and (words := folding.changed_words(value)):
                doc[field + FOLDED] = " ".join(words)
            elif isinstance(value, list) and (tags := [w for t in value if isinstance(t, str) for w in folding.changed_words(t)]):
                doc[field + FOLDED] = list(dict.fromkeys(tags))
    return docs


def pagefind_executable() -> Path:
    """The Pagefind binary: $BRIEFGEN_PAGEFIND if set, else the one the pagefind-bin package ships."""
    if os.environ.get("BRIEFGEN_PAGEFIND"):
        return Path(os.environ["BRIEFGEN_PAGEFIND"])
    try:
        from pagefind_bin import get_executable
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise SearchError("Pagefind is not installed (pip install pagefind-bin)") from e
    return get_executable()


class Indexer:
    """Both indexes for a site mkdocs has just built in `site_dir`, made while the leak check runs.

    start() writes the offline index (which the leak check then reads) and
    starts Pagefind in a subprocess, writing into a folder beside the site;
    finish() waits for it and moves its bundle into `site_dir/pagefind`, where
    the leak check reads it in turn; running Pagefind and the check of the
    pages at once puts the two cores to use. close() ends Pagefind if it still
    runs and removes its folder.
    """

    def __init__(self, site_dir: Path, docs: list[dict] | None = None, pagefind: bool = True):
        self.site_dir = site_dir
        self.docs = docs  # the offline index's entries, if not those of Material's file
        self.pagefind = pagefind  # False: the offline index only, served too (the preview)
        self.out = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-pagefind-", dir=site_dir.parent))
        self.proc: subprocess.Popen | None = None
        self.log = None

    def start(self) -> None:
        write_offline_index(self.site_dir, self.docs, stub=self.pagefind)
        if not self.pagefind:
            return
        exe = pagefind_executable()
        # Pagefind reads PAGEFIND_* variables and a pagefind.yml in its folder: neither may change a build
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        cmd = [str(exe), "--site", str(self.site_dir), "--output-path", str(self.out / "pagefind")]
        for selector in EXCLUDE_SELECTORS:
            cmd += ["--exclude-selectors", selector]
        self.log = open(self.out / "pagefind.log", "w+", encoding="utf-8")
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.out, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        except OSError as e:
            raise SearchError(f"Pagefind could not run ({exe}): {e}") from e

    def finish(self) -> None:
        if self.proc is None:
            return
        code = self.proc.wait()
        self.log.seek(0)
        out = self.log.read()
        if code != 0:
            raise SearchError(f"Pagefind failed ({code}): {out.strip()[-500:]}")
        bundle = self.out / "pagefind"
        for name in _PAGEFIND_UNUSED:
            (bundle / name).unlink(missing_ok=True)
        shutil.rmtree(bundle / "playground", ignore_errors=True)
        target = self.site_dir / PAGEFIND
        if target.exists():  # a folder of the author's own would be replaced silently otherwise
            raise SearchError(f"the site already has a {target.name}/ folder, where the search index goes")
        os.rename(bundle, target)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.out, ignore_errors=True)
