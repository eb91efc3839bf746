"""Where a project's parts live, and the site's own settings from `site_config/site.yml`."""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class Project:
    """A briefgen project folder: mkdocs.yml, briefs/, templates/, site_config/."""

    root: Path

    @property
    def briefs(self) -> Path:
        return self.root / "briefs"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def site_config(self) -> Path:
        return self.root / "site_config"

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def custom_dir(self) -> Path | None:
        """The theme's overrides (mkdocs.yml's `theme.custom_dir`), if it names them."""
        theme = self.mkdocs_options.get("theme")
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        return self.root / custom if isinstance(custom, str) else None

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
        """Where the generated Markdown goes: mkdocs.yml's `docs_dir`."""
        return self.root / str(self.mkdocs_options.get("docs_dir", "build/docs"))

    @property
    def cache(self) -> Path:
        """Scratch space of incremental builds, beside the docs folder (never published)."""
        return self.docs.parent / ".briefgen-cache"

    def missing(self) -> list[str]:
        parts = [self.mkdocs_yml, self.briefs, self.templates, self.site_config]
        return [p.name for p in parts if not p.exists()]

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
