"""The generated Markdown, built by mkdocs into a static site, checked, then swapped in.

mkdocs writes into a fresh scratch folder beside the target, then the search
indexes are made from it (`search`: Pagefind, and a trimmed lunr index for
file://); only when the build (any mkdocs warning fails it), the indexing and
the leak check (`leaks`) pass is that folder swapped into place (`swap`). A
failed build leaves the previous site as it was.

A build may bring what it keeps of the last site (`Reuse`): those files are
put in the scratch folder first, and mkdocs, in its `dirty` mode, builds only
the pages whose output is missing or older than their Markdown. It may also
bring a second process (`Helper`) that builds part of the pages, in the same
mode, into a folder of its own; their output joins the scratch folder before
it is indexed and checked.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Protocol

from mkdocs.plugins import BasePlugin

from generator.config import Project, Settings
from generator.errors import ContentError, Problem
from generator.format import vocab
from generator.site import search
from generator.site.swap import check_site_dir, claim, remove_leftovers, swap_in


# what mkdocs says of every dirty build; the build that asks for one knows what it keeps
_DIRTY_WARNING = "A 'dirty' build is being performed"


class _Collect(logging.Handler):
    """mkdocs' warnings, each of which fails the build (the strict mode, kept in dirty builds too)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if not message.startswith(_DIRTY_WARNING):
            self.messages.append(message)


class _Compiled(BasePlugin):
    """Gives the theme's Jinja2 environment a cache of compiled templates (`on_env` comes before
    any template is loaded); what the templates render is the same."""

    def __init__(self, cache):
        super().__init__()
        self.cache = cache

    def on_env(self, env, config, files):
        env.bytecode_cache = self.cache
        return env


class Anchors(BasePlugin):
    """The anchors of the pages a build rendered, and its links to anchors of pages it did not render,
    which mkdocs leaves unchecked in a dirty build: a build split between two processes checks
    them across (`cross_check`), as one process would have."""

    def __init__(self):
        super().__init__()
        self.files = None
        self.level = logging.INFO
        self.present: dict[str, set[str]] = {}  # each rendered page's anchors, by its Markdown's path
        self.unchecked: list[tuple[str, str, str, str]] = []  # (from, to, anchor, the link as written)

    def on_env(self, env, config, files):
        self.files, self.level = files, config.validation.links.anchors
        return env

    def on_post_build(self, config):
        for file in self.files.documentation_pages() if self.files is not None else ():
            page = file.page
            if page is None or page.present_anchor_ids is None:
                continue
            self.present[file.src_uri] = set(page.present_anchor_ids)
            for to_file, links in (page.links_to_anchors or {}).items():
                if to_file.page is None or to_file.page.present_anchor_ids is None:
                    self.unchecked += [(file.src_uri, to_file.src_uri, anchor, link) for anchor, link in links.items()]
        self.files = None  # mkdocs keeps its last plugins until the next build: not the pages through this one

    def cross_check(self, present: dict[str, set[str]], unchecked: list[tuple[str, str, str, str]]) -> list[str]:
        """What mkdocs would have said of the links between these pages and another run's (its `present`
        and `unchecked`) to anchors that are not there, at the level mkdocs.yml sets
        (`validation: links: anchors`): warnings, which fail the build."""
        if self.level < logging.WARNING:
            return []
        present = {**present, **self.present}
        return [f"Doc file '{src}' contains a link '{link}', but the doc '{to}' does not contain an anchor '#{anchor}'."
                for src, to, anchor, link in self.unchecked + unchecked if to in present and anchor not in present[to]]


@dataclass
class Built:
    """What a run of mkdocs leaves beside the pages: their search entries, their anchors."""

    index: search.LightIndexPlugin
    anchors: Anchors


class Helper(Protocol):
    """A second process for the pages of a build (`build.split.Halves` implements it)."""

    def start(self, scratch: Path, run: Callable[[Path], Built]) -> bool:
        """Leave part of the pages mkdocs would build into `scratch` to a second process, which builds them
        into a folder of its own with `run(folder)`; False when it takes none (one process builds them all)."""

    def finish(self, scratch: Path, built: Built) -> None:
        """Wait for it; move its pages into `scratch`, its search entries and anchors into `built`.
        Raises ContentError with its problems."""

    def close(self) -> None:
        """End it if it still runs, and remove its folder."""


class Reuse(Protocol):
    """What a build keeps of the last site (`build.reuse.LastSite` implements it)."""

    def keep(self, scratch: Path) -> bool:
        """Put the kept files into `scratch`; False when nothing is kept (a full build)."""

    def vouched(self) -> Path | None:
        """The last site, if it passed a leak check for the same withheld texts: what it holds needs no check again."""

    def search_docs(self, index: search.LightIndexPlugin) -> list[dict]:
        """The offline index's entries of every page: those of the pages mkdocs built, else the kept ones."""

    def record(self, site_dir: Path, index: search.LightIndexPlugin) -> None:
        """Keep what the next build needs, once the site is in place."""


def mkdocs_options(project: Project, settings: Settings, highest_tlp: str = "clear") -> dict:
    """What briefgen sets in mkdocs' configuration, for a build and for `briefgen serve`: the
    settings of site.yml, escaped for the theme that prints them, and the TLP banner's marking."""
    from generator.output.feed import FEED_PATH, has_feed
    from generator.output.markup import theme_setting

    tlp = vocab.TLP[highest_tlp]
    options = {"site_name": theme_setting(settings.title)}
    extra = dict(project.mkdocs_options.get("extra") or {})
    extra["briefgen_tlp"] = {"code": tlp.code, "label": tlp.label, "css": tlp.css, "description": tlp.description}
    extra["briefgen_feed"] = FEED_PATH if has_feed(settings) else None  # the pages link to it
    options["extra"] = extra
    if settings.url:
        options["site_url"] = settings.url
    if settings.description:
        options["site_description"] = theme_setting(settings.description)
    if settings.copyright:
        options["copyright"] = theme_setting(settings.copyright)
    return options


def mkdocs_config(project: Project, settings: Settings, site_dir: Path, strict: bool = True, highest_tlp: str = "clear", **overrides):
    from mkdocs.config import load_config

    config = load_config(
        config_file=str(project.mkdocs_yml),
        site_dir=str(site_dir),
        docs_dir=str(project.docs),
        strict=strict,
        **mkdocs_options(project, settings, highest_tlp),
        **overrides,
    )
    # the theme's overrides, looked up before the theme's own files: the custom_dir mkdocs.yml names,
    # the project's site_config/overrides/, then briefgen's (a file of the same name in an earlier one wins)
    ours = [os.path.abspath(d) for d in project.override_dirs if d.is_dir()]
    config.theme.dirs[:] = ours + [d for d in config.theme.dirs if os.path.abspath(d) not in ours]
    return config


# What briefgen needs of a project's own mkdocs.yml (the README's table says why); briefgen's default has it all.
THEME = "material"
SEARCH_PLUGINS = ("search", "material/search")
NEEDED_EXTENSIONS = ("attr_list",)  # the ids and classes of the pages' headings: `### Claim { #id .bg-claim }`
NEEDED_ASSETS = {"extra_css": "assets/briefgen.css", "extra_javascript": "assets/briefgen.js"}


def check_config(project: Project) -> list[Problem]:
    """What is missing or wrong in the project's own mkdocs.yml for a briefgen site, one problem a
    setting, at its line (a missing setting at the top of the file). Nothing for briefgen's default."""
    import yaml

    path = project.own_mkdocs_yml
    if path is None:
        return []
    shown = path.name
    try:
        node = yaml.compose(path.read_text("utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return [Problem(shown, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, f"YAML syntax: {e.problem or e}")]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [Problem(shown, 1, 1, f"cannot be read: {e}")]
    if node is None or not isinstance(node, yaml.MappingNode):
        return [Problem(shown, 1, 1, "mkdocs.yml must be a mapping of settings (site_name: ..., theme: ...)")]
    keys = {k.value: k for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    data = project.mkdocs_options
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        at = keys.get(key)
        problems.append(Problem(shown, at.start_mark.line + 1 if at else 1, at.start_mark.column + 1 if at else 1,
                                f"{key}: {message}"))

    def names(value) -> list[str]:
        """The names in a list of plugins or extensions (`- name` or `- name: {options}`)."""
        items = value if isinstance(value, list) else [value] if isinstance(value, (str, dict)) else []
        out = []
        for item in items:
            out += [item] if isinstance(item, str) else [str(k) for k in item] if isinstance(item, dict) else []
        return out

    theme = data.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if name != THEME:
        problem("theme", f"briefgen's pages, theme overrides and search need mkdocs-material: set `theme: {{name: {THEME}}}`"
                + (f" (not {name!r})" if "theme" in keys and name else " (missing)"))
    if "plugins" in keys and not set(names(data.get("plugins"))) & set(SEARCH_PLUGINS):
        problem("plugins", "the search plugin is missing: add `- search` (briefgen's offline search index, and "
                "incremental builds, are made from its index)")
    if not isinstance(data.get("nav"), list):
        problem("nav", "missing: list the site's sections (Home: index.md, Briefs: briefs/index.md, ...) as briefgen's "
                "default mkdocs.yml does; without it mkdocs lists every page of the site in the navigation")
    extensions = names(data.get("markdown_extensions"))
    for ext in NEEDED_EXTENSIONS:
        if ext not in extensions:
            problem("markdown_extensions", f"add `- {ext}`: the pages' headings carry their anchors in its syntax")
    for key, asset in NEEDED_ASSETS.items():
        listed = [item.get("path") if isinstance(item, dict) else item for item in (data.get(key) or [])] if isinstance(data.get(key), list) else []
        if asset not in listed:
            problem(key, f"add `- {asset}`: briefgen's badges, TLP colours and tables need it")
    if "docs_dir" in keys:
        docs, root = project.docs.resolve(), project.root.resolve()
        for folder in [root, project.briefs, project.templates, project.site_config, project.site]:
            folder = folder.resolve()
            inside = folder in docs.parents and folder != root  # the docs folder inside the project is where it belongs
            if docs == folder or inside or docs in folder.parents:
                what = "the project folder" if folder == root else folder.relative_to(root).as_posix() + "/" if folder.is_relative_to(root) else str(folder)
                problem("docs_dir", "briefgen writes the generated Markdown there and deletes what it did not write: give it a "
                        f"folder of its own, such as build/docs (not one that is, holds or lies in {what})")
                break
    return problems


@contextmanager
def _source_date(epoch: int | None):
    """Stamp the build with the corpus's own date, not the clock (sitemap, gzip headers).

    A gzip header holds an unsigned 32-bit time, so a corpus dated before 1970
    or after 2106 is stamped with the nearest time it can hold: still a
    function of the corpus alone.
    """
    old = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(min(max(epoch, 0), 2**32 - 1))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def build_site(project: Project, settings: Settings, site_dir: Path, check: Callable[..., list[Problem]] | None = None,
               highest_tlp: str = "clear", epoch: int | None = None, reuse: Reuse | None = None,
               pagefind: bool = True, compiled=None, helper: Helper | None = None) -> tuple[int, int]:
    """Run mkdocs into a temporary folder, index it for search, check it, then swap it in as `site_dir`.

    `check(folder)` reads the site while Pagefind indexes it, then `check(folder, "pagefind")` the
    Pagefind bundle (none without `pagefind`: the preview's search is the offline index); a problem
    from either stops the build before the swap. `compiled`, a `jinja2.BytecodeCache`, keeps the
    theme's templates compiled between builds. `helper` may build part of the pages in a second
    process. Raises SiteDirError,
    before building, when `site_dir` is not briefgen's to replace (`check_site_dir`). Returns how many
    pages the site has, and how many of them mkdocs built.
    """
    site_dir = check_site_dir(project, site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(site_dir)
    tmp, lock = claim(site_dir)
    try:
        dirty = reuse.keep(tmp) if reuse is not None else False
        run = partial(_mkdocs, project, settings, highest_tlp=highest_tlp, epoch=epoch, compiled=compiled)
        split = helper is not None and helper.start(tmp, partial(run, dirty=True))
        built = run(tmp, dirty=dirty or split)
        if split:
            helper.finish(tmp, built)
        index = built.index
        docs = reuse.search_docs(index) if dirty else index.docs() if split else None
        _index_and_check(project, tmp, docs, check, reuse.vouched() if dirty else None, pagefind)
        swap_in(tmp, site_dir)
        if reuse is not None:
            reuse.record(site_dir, index)
        pages = len(index.order), len(index.entries)
        index.release()
        return pages
    finally:
        if helper is not None:
            helper.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _mkdocs(project: Project, settings: Settings, folder: Path, highest_tlp: str, epoch: int | None, dirty: bool,
            compiled=None) -> Built:
    """mkdocs' build into `folder`; every warning it logs fails it. A dirty build runs with mkdocs'
    strict mode off, which would fail on its own warning that the build is dirty: `_Collect` does the rest."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        config = mkdocs_config(project, settings, folder, strict=not dirty, highest_tlp=highest_tlp)
        index = search.attach(config)
        anchors = config.plugins["briefgen/anchors"] = Anchors()
        if compiled is not None:
            config.plugins["briefgen/compiled-templates"] = _Compiled(compiled)
        with _source_date(epoch):
            build(config, dirty=dirty)
    except (MkDocsException, SystemExit) as e:
        detail = "; ".join(handler.messages) or str(e)
        raise ContentError([Problem(project.mkdocs_yml.name, 1, 1, f"mkdocs build failed: {detail}")])
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise ContentError([Problem(project.mkdocs_yml.name, 1, 1, f"mkdocs: {m}") for m in handler.messages])
    if dirty and not index.active:
        raise ContentError([Problem(project.mkdocs_yml.name, 1, 1, "mkdocs: the search plugin is not mkdocs-material's, "
                                    "which incremental and two-process builds need")])
    return Built(index, anchors)


def _index_and_check(project: Project, folder: Path, docs: list[dict] | None, check: Callable[..., list[Problem]] | None,
                     last: Path | None, pagefind: bool) -> None:
    """The search indexes, made while the leak check reads the pages, then the check of the Pagefind
    bundle; of what `last`, a site checked for the same withheld texts, holds as it is, only what changed."""
    indexer = search.Indexer(folder, docs, pagefind)
    try:
        indexer.start()
        problems = check(folder, last=last) if check else []
        if problems:
            raise ContentError(problems)
        indexer.finish()
        problems = check(folder, search.PAGEFIND, last=last) if check and pagefind else []  # then the Pagefind bundle
        if problems:
            raise ContentError(problems)
    except search.SearchError as e:
        raise ContentError([Problem(project.mkdocs_yml.name, 1, 1, f"search index: {e}")])
    finally:
        indexer.close()
