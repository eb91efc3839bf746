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

import errno
import gc
import os
import threading
from pathlib import Path

import click

from generator.build import driver, snapshot
from generator.config import DEFAULT_MKDOCS, Project
from generator.errors import ContentError


class _Preview:
    def __init__(self, project: Project, max_tlp: str | None, drafts: bool | None):
        self.project, self.max_tlp, self.drafts = project, max_tlp, drafts
        self.folder = project.docs.parent / "preview"
        self.lock = threading.Lock()
        self.kept = snapshot.Kept()  # the generator's state, resumed from by the next build

    def build(self) -> bool:
        """Build the preview; False, with its problems printed, if it failed."""
        with self.lock:
            try:
                settings = self.project.settings()
                policy = driver.policy_for(settings, self.max_tlp, self.drafts)
                result = driver.build(self.project, settings, policy, self.folder, pagefind=False, kept=self.kept)
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
                # what the build left to the collector (mkdocs' pages and files refer to each other) is collected
                # now, before the next build freezes it for good; what the build froze, the state kept with it, is
                # not walked
                gc.collect()
            return False


class _Watcher:
    """Watches the project's inputs, including those it creates while the preview runs: a project
    brings only what it changes, so its templates/, site_config/ or mkdocs.yml may appear later."""

    def __init__(self, server, project: Project):
        self.server, self.project = server, project
        self.watched: set[str] = set()
        # the project's own locations, which the root is watched for: a new one changes the build
        self.own = {project.templates.name, project.site_config.name, DEFAULT_MKDOCS}

    def paths(self) -> list[Path]:
        p = self.project
        return [p.briefs, p.site_config, *p.template_dirs, *p.page_dirs, *p.override_dirs, p.mkdocs_yml]

    def refresh(self) -> None:
        """Watch each input that exists now and is not watched yet; forget those removed, so that
        they are watched again once they are back."""
        for key in [k for k in self.watched if not os.path.exists(k)]:
            self.watched.discard(key)
            try:
                self.server.unwatch(key)
            except (KeyError, OSError):  # watchdog may have dropped the watch of a removed folder itself
                pass
        for path in dict.fromkeys(self.paths()):
            key = os.path.abspath(path)
            if key not in self.watched and path.exists():
                self.watched.add(key)
                self.server.watch(key)

    def start(self) -> None:
        import watchdog.events

        self.refresh()
        handler = watchdog.events.FileSystemEventHandler()
        handler.on_any_event = self._at_root  # type: ignore[method-assign]
        self.server.observer.schedule(handler, str(self.project.root), recursive=False)

    def _at_root(self, event) -> None:
        names = {Path(os.fsdecode(event.src_path)).name, Path(os.fsdecode(getattr(event, "dest_path", "") or "")).name}
        if not names & self.own:
            return
        self.refresh()
        # mkdocs' server has no public way to ask for a build: this is what its own watch callback does
        with self.server._rebuild_cond:
            self.server._want_rebuild = True
            self.server._rebuild_cond.notify_all()


POLL_INTERVAL = 0.25  # seconds between two looks at the inputs with `--poll`


def _observer(poll: bool):
    """What tells the server of a saved edit: the system's file events, or polling (see above).

    Of the system's events only those of a change count: a file opened, or closed unwritten, is every
    build reading its inputs, and the server, which rebuilds on any event, would build again for ever."""
    import watchdog.events as ev
    import watchdog.observers
    import watchdog.observers.polling

    if poll:
        return watchdog.observers.polling.PollingObserver(timeout=POLL_INTERVAL)
    changes = [ev.FileCreatedEvent, ev.FileDeletedEvent, ev.FileModifiedEvent, ev.FileMovedEvent, ev.FileClosedEvent,
               ev.DirCreatedEvent, ev.DirDeletedEvent, ev.DirModifiedEvent, ev.DirMovedEvent]

    class Changes(watchdog.observers.Observer):
        def schedule(self, event_handler, path, *, recursive=False, event_filter=None, **options):
            return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or changes, **options)

    return Changes()


def serve(project: Project, dev_addr: str, max_tlp: str | None, drafts: bool | None, poll: bool = False) -> None:
    from mkdocs.livereload import LiveReloadServer

    preview = _Preview(project, max_tlp, drafts)
    if not preview.build() and not (preview.folder / "index.html").exists():
        raise SystemExit(1)
    host, _, port = dev_addr.rpartition(":")
    def build() -> None:
        preview.build()
        watcher.refresh()  # a changed mkdocs.yml may name another custom_dir

    server = LiveReloadServer(builder=build, host=host or "127.0.0.1", port=int(port), root=str(preview.folder),
                              polling_interval=POLL_INTERVAL)
    server.observer = _observer(poll)  # before anything is watched: the server schedules every watch on it
    server.build_delay = 0.05  # edits come in bursts (an editor's save, a git checkout): build once they settle
    watcher = _Watcher(server, project)
    watcher.start()
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("shutting down", err=True)
    except OSError as e:
        if poll or e.errno not in (errno.ENOSPC, errno.EMFILE, errno.ENOSYS):
            raise
        # the system's limit on watched folders or event queues reached: polling needs neither
        raise click.ClickException(f"cannot watch the project's files for changes ({e.strerror or e}): "
                                   "run `briefgen serve --poll`, or raise the system's limit on file watches") from None
    finally:
        server.shutdown()
