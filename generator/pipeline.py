"""The whole pipeline, stage after stage: load -> model -> corpus -> analysis -> render -> site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import analysis, corpus, load, render, site
from .cache import ModelCache
from .config import Project, Settings
from .corpus import Corpus, Policy
from .models import validate_document
from .leaks import find_leaks


@dataclass
class Generated:
    corpus: Corpus
    findings: analysis.Findings
    rendered: render.RenderResult | None = None


def policy_for(settings: Settings, max_tlp: str | None = None, drafts: bool | None = None) -> Policy:
    return Policy(max_tlp=max_tlp or settings.max_tlp, drafts=settings.drafts if drafts is None else drafts)


def validate(project: Project, policy: Policy, use_cache: bool = True) -> Generated:
    """Load and check the corpus; raises ContentError with every problem.

    Files unchanged since they last validated cleanly are taken from the
    model cache in the build folder instead of being parsed again.
    """
    models = ModelCache(project.cache) if use_cache else None
    docs, problems = load.load_corpus(project.briefs, project.root, models, validate=validate_document)
    published = corpus.build_corpus(docs, policy, problems)
    return Generated(published, analysis.analyse(published))


def generate(project: Project, settings: Settings, policy: Policy) -> Generated:
    """Validate, analyse and write the Markdown pages into the docs folder."""
    result = validate(project, policy)
    result.rendered = render.render(project, result.corpus, result.findings, settings)
    return result


def build(project: Project, settings: Settings, policy: Policy, site_dir: Path) -> Generated:
    """Generate, then build the site with mkdocs; the leak check guards the swap."""
    result = generate(project, settings, policy)
    site.build_site(
        project, settings, site_dir,
        check=lambda out: find_leaks(out, result.corpus.withheld),
        highest_tlp=result.corpus.highest_tlp(),
        epoch=result.corpus.latest_epoch(),
    )
    return result
