"""Live preview: mkdocs serves the generated pages; a watcher regenerates them on edits."""

from __future__ import annotations

import gc
import threading

import click
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from generator.build import driver
from generator.config import Project
from generator.errors import ContentError
from generator.site import mkdocs


class _Regenerate(FileSystemEventHandler):
    def __init__(self, project: Project, max_tlp: str | None, drafts: bool | None):
        self.project, self.max_tlp, self.drafts = project, max_tlp, drafts
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def on_any_event(self, event):
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        with self.lock:  # edits come in bursts: regenerate once they settle
            if self.timer:
                self.timer.cancel()
            self.timer = threading.Timer(0.2, self.regenerate)
            self.timer.start()

    def regenerate(self):
        try:
            settings = self.project.settings()
            policy = driver.policy_for(settings, self.max_tlp, self.drafts)
            result = driver.generate(self.project, settings, policy)
            click.echo(f"regenerated: {len(result.rendered.rendered)} files rendered, {len(result.rendered.written)} changed", err=True)
            gc.unfreeze()  # the preview runs on: what a regeneration froze is collected once the next replaces it
        except ContentError as e:
            for p in e.problems:
                click.echo(str(p), err=True)
            click.echo("the preview keeps the last good pages", err=True)
        except Exception as e:  # a broken template must not stop the preview
            click.echo(f"error: {e}", err=True)


def serve(project: Project, dev_addr: str, max_tlp: str | None, drafts: bool | None) -> None:
    from mkdocs.commands.serve import serve as mkdocs_serve

    handler = _Regenerate(project, max_tlp, drafts)
    observer = Observer()
    for folder in (project.briefs, project.templates, project.site_config):
        observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    settings = project.settings()
    try:
        mkdocs_serve(config_file=str(project.mkdocs_yml), dev_addr=dev_addr, livereload=True,
                     docs_dir=str(project.docs), **mkdocs.mkdocs_options(project, settings))
    finally:
        observer.stop()
        observer.join()
