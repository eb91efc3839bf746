"""Live preview: the site built as `briefgen build` builds it, into a preview folder, served, and
built again on every saved edit.

The preview is an incremental build (`driver.build`) into `build/preview` beside the docs folder,
so a saved edit reaches the page as soon as mkdocs has built the few pages it changed; the same
leak check guards it. It has no Pagefind index: its search is the offline index, which Material's
own search answers from when served. mkdocs' live-reload server serves the folder, watches the
project's inputs, and reloads the browser once a build is in place; a build that fails prints its
problems and leaves the last good preview up.
"""

from __future__ import annotations

import gc
import threading

import click

from generator.build import driver
from generator.config import Project
from generator.errors import ContentError


class _Preview:
    def __init__(self, project: Project, max_tlp: str | None, drafts: bool | None):
        self.project, self.max_tlp, self.drafts = project, max_tlp, drafts
        self.folder = project.docs.parent / "preview"
        self.lock = threading.Lock()

    def build(self) -> bool:
        """Build the preview; False, with its problems printed, if it failed."""
        with self.lock:
            try:
                settings = self.project.settings()
                policy = driver.policy_for(settings, self.max_tlp, self.drafts)
                result = driver.build(self.project, settings, policy, self.folder, pagefind=False)
                total, built = result.pages
                click.echo(f"preview: {built} of {total} pages built, {len(result.rendered.written)} files changed", err=True)
                return True
            except ContentError as e:
                for p in e.problems:
                    click.echo(str(p), err=True)
                click.echo("the preview keeps the last good pages", err=True)
            except Exception as e:  # a broken template, a site folder refused: the preview goes on
                click.echo(f"error: {e}", err=True)
            finally:
                gc.unfreeze()  # the preview runs on: what a build froze is collected once the next replaces it
            return False


def serve(project: Project, dev_addr: str, max_tlp: str | None, drafts: bool | None) -> None:
    from mkdocs.livereload import LiveReloadServer

    preview = _Preview(project, max_tlp, drafts)
    if not preview.build() and not (preview.folder / "index.html").exists():
        raise SystemExit(1)
    host, _, port = dev_addr.rpartition(":")
    server = LiveReloadServer(builder=preview.build, host=host or "127.0.0.1", port=int(port), root=str(preview.folder),
                              polling_interval=0.25)
    server.build_delay = 0.05  # edits come in bursts (an editor's save, a git checkout): build once they settle
    watched = [project.briefs, project.site_config, *project.template_dirs, *project.page_dirs, *project.override_dirs,
               project.mkdocs_yml]
    for path in dict.fromkeys(watched):
        if path.exists():  # a project brings only what it changes
            server.watch(str(path))
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("shutting down", err=True)
    finally:
        server.shutdown()
