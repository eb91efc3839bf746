"""Where a project's parts live, and the site's own settings from `site_config/site.yml`."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from generator.errors import ContentError, Problem, did_you_mean
from generator.format.models import Markdown, Tlp
from generator.stages.load import Document
from generator.stages.validate import text_problems

SETTINGS_FILE = "site.yml"


class Settings(BaseModel):
    """`site_config/site.yml`: the site's title, address and publishing policy."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Briefs"
    description: Markdown = ""  # shown as Markdown on the home page
    url: Optional[str] = None
    language: str = "en"
    copyright: Optional[str] = None
    max_tlp: Tlp = "clear"
    drafts: bool = False
    require_review: bool = False  # publish only briefs with reviewed_by and approved
    latest: int = 10  # briefs listed on the home page

    @field_validator("url")
    @classmethod
    def _url_as_browsers_send_it(cls, value: Optional[str]) -> Optional[str]:
        """The address with what URLs may not hold as written (quotes, angle brackets, spaces,
        controls) percent-encoded, as a browser would send it: mkdocs prints it in pages'
        canonical links as it is."""
        return None if value is None else quote(value.strip(), safe="%/:?#[]@!$&()*+,;=~-._")


@functools.cache
def packaged() -> Path:
    """Where briefgen's own templates, theme overrides, pages and default mkdocs.yml are, laid out as in
    this repository: `generator/_data/` in an installed wheel, else the source checkout the package is
    imported from (an editable install, or the repository on PYTHONPATH), whose root holds them."""
    here = Path(__file__).resolve().parent
    for root in (here / "_data", here.parent):
        if (root / "templates").is_dir() and (root / DEFAULT_MKDOCS).is_file():
            return root
    raise RuntimeError(f"briefgen's templates are missing from {here}: reinstall briefgen")


DEFAULT_MKDOCS = "mkdocs.yml"


def _unique(paths: list[Path]) -> list[Path]:
    """`paths` without a folder named twice (the bundled project's folders are briefgen's own)."""
    seen, out = set(), []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def user_cache_home() -> Path:
    """The user's cache folder (XDG_CACHE_HOME, else ~/.cache)."""
    home = os.environ.get("XDG_CACHE_HOME")
    return Path(home) if home and os.path.isabs(home) else Path.home() / ".cache"


@dataclass(frozen=True)
class Project:
    """A briefgen project folder: briefs/, and optionally its own mkdocs.yml, templates/ and site_config/.

    What the project does not bring comes from briefgen's own (`packaged()`): a template, page or
    theme override of the project's replaces briefgen's of the same name, as a theme's
    `custom_dir` does; without its own mkdocs.yml the project is built with briefgen's.
    """

    root: Path

    def __post_init__(self) -> None:
        # absolute: mkdocs reads docs_dir relative to the mkdocs.yml in use, which may be briefgen's own
        object.__setattr__(self, "root", Path(os.path.abspath(self.root)))

    @property
    def briefs(self) -> Path:
        return self.root / "briefs"

    @property
    def templates(self) -> Path:
        """The project's own templates folder (it may not exist): see `template_dirs`."""
        return self.root / "templates"

    @property
    def site_config(self) -> Path:
        return self.root / "site_config"

    @property
    def own_mkdocs_yml(self) -> Path | None:
        """The project's own mkdocs.yml, if it has one."""
        path = self.root / DEFAULT_MKDOCS
        return path if path.is_file() else None

    @property
    def mkdocs_yml(self) -> Path:
        """The mkdocs configuration the site is built with: the project's, else briefgen's default."""
        return self.own_mkdocs_yml or packaged() / DEFAULT_MKDOCS

    @property
    def template_dirs(self) -> list[Path]:
        """Where page templates are looked up, first found first: the project's templates/, then briefgen's."""
        own = [self.templates] if self.templates.is_dir() else []
        return _unique(own + [packaged() / "templates"])

    @property
    def page_dirs(self) -> list[Path]:
        """Hand-written pages and assets, first found first: the project's site_config/pages/, then briefgen's."""
        own = self.site_config / "pages"
        return _unique(([own] if own.is_dir() else []) + [packaged() / "site_config" / "pages"])

    @property
    def custom_dir(self) -> Path | None:
        """The theme's overrides the project's mkdocs.yml names (`theme.custom_dir`), if it names them."""
        if self.own_mkdocs_yml is None:
            return None
        theme = self.mkdocs_options.get("theme")
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        return self.root / custom if isinstance(custom, str) else None

    @property
    def override_dirs(self) -> list[Path]:
        """The theme's overrides, first found first: the mkdocs.yml's `custom_dir`, the project's
        site_config/overrides/, then briefgen's (the TLP banner, the search script)."""
        own = [self.custom_dir] if self.custom_dir is not None else []
        if (self.site_config / "overrides").is_dir():
            own.append(self.site_config / "overrides")
        return _unique(own + [packaged() / "site_config" / "overrides"])

    @functools.cached_property
    def mkdocs_options(self) -> dict:
        """mkdocs.yml as data (read once; `!ENV` and `!!python` tags read as nothing)."""
        try:
            data = yaml.load(self.mkdocs_yml.read_text("utf-8"), Loader=_LenientLoader) or {}
        except (OSError, yaml.YAMLError):
            data = {}
        return data if isinstance(data, dict) else {}

    @property
    def docs(self) -> Path:
        """Where the generated Markdown goes: mkdocs.yml's `docs_dir`, in the project."""
        return self.root / str(self.mkdocs_options.get("docs_dir", "build/docs"))

    @property
    def site(self) -> Path:
        """Where `briefgen build` writes the site by default: mkdocs.yml's `site_dir`, else site/."""
        return self.root / str(self.mkdocs_options.get("site_dir", "site"))

    @property
    def cache(self) -> Path:
        """Scratch space of builds, beside the docs folder (never published)."""
        return self.docs.parent / ".briefgen-cache"

    @property
    def user_cache(self) -> Path:
        """The model cache of `validate`, `lint` and `export`, outside the project, so that checking a
        work tree never writes into it: in the user's cache folder, one folder a project path."""
        digest = hashlib.blake2b(str(self.root.resolve()).encode(), digest_size=8).hexdigest()
        return user_cache_home() / "briefgen" / digest

    def missing(self) -> list[str]:
        return [] if self.briefs.is_dir() else [self.briefs.name + "/"]

    def settings(self) -> Settings:
        path = self.site_config / SETTINGS_FILE
        shown = path.relative_to(self.root).as_posix()
        if not path.exists():
            return Settings()
        doc = Document(file=path, path=shown, kind="settings", id=path.stem)
        try:
            doc.data = yaml.safe_load(path.read_text("utf-8")) or {}
            settings = Settings.model_validate(doc.data)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark
            raise ContentError([Problem(shown, mark.line + 1, mark.column + 1, f"YAML syntax: {e.problem}")])
        except ValidationError as e:
            problems = []
            for err in e.errors(include_url=False):
                field = ".".join(str(p) for p in err["loc"])
                hint = did_you_mean(field, Settings.model_fields) if err["type"] == "extra_forbidden" else ""
                msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
                problems.append(doc.problem(err["loc"], f"{field}: {msg}{hint}", key=err["type"] == "extra_forbidden"))
            raise ContentError(problems)
        problems = text_problems(doc, Settings)
        if problems:
            raise ContentError(problems)
        return settings


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, ignoring the `!!python/...` and `!ENV` tags mkdocs allows."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
