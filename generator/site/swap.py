"""Where the site goes: which folder a build may replace, and the swap that replaces it whole.

The target is replaced only when it is empty or a site briefgen built (the
`.briefgen-site` stamp inside it), and never when it is, holds or lies inside
an input of the build. A build works in a scratch folder beside the target,
swapped in by renames (its contents, when the target is a mount point); the
scratch folders a killed build leaves are removed by the next build, unless
the build that made them is still running.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.config import Project

try:
    import fcntl
except ImportError:  # no advisory locks (Windows): scratch folders are then left for the user to remove
    fcntl = None


STAMP = ".briefgen-site"  # in every site briefgen builds: the mark that it may replace the folder
_STAMP_TEXT = "briefgen: a site built by briefgen; `briefgen build` replaces this folder whole\n"
# the files a site built before the stamp holds together, briefgen's corpus export among them
_UNSTAMPED = ("index.html", "sitemap.xml", "search/search_index.json", "data/corpus.json")


def entries(top: Path) -> dict[str, os.DirEntry]:
    """Everything under `top` but folders (links to folders not followed, as `os.walk`), by its path in it;
    nothing if `top` is not there. Listed with `os.scandir` and string paths, much faster than pathlib:
    every build of the preview lists the site, the last site and the docs folder."""
    found = {}
    stack = [(os.fspath(top), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            listed = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):  # gone since it was listed
            continue
        for entry in listed:
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, prefix + entry.name + "/"))
            elif not entry.is_dir():
                found[prefix + entry.name] = entry
    return found


class SiteDirError(Exception):
    """A site folder briefgen must not replace; the message says why and what to do, in one line."""


# --- where the site goes ------------------------------------------------------

def check_site_dir(project: Project, site_dir: Path) -> Path:
    """The folder a build into `site_dir` replaces (its links resolved); SiteDirError if briefgen must not.

    The site is swapped in whole, deleting what was there: the folder may not
    be, hold or lie inside an input of the build, and if it exists it must be
    empty or a site briefgen built.
    """
    target = site_dir.resolve()
    for what, path, folder in _inputs(project):
        path = path.resolve()
        if _holds(target, path):
            is_it = target == path or _holds(path, target)
            raise SiteDirError(f"{site_dir} {'is' if is_it else 'holds'} {what}, which the site would replace: "
                               "give the site a folder of its own, such as site/ (the default)")
        if folder and _holds(path, target.parent):
            raise SiteDirError(f"{site_dir} is inside {what}, an input of the build: "
                               "give the site a folder of its own, such as site/ (the default)")
    for above in target.parents:
        if os.path.lexists(above):
            if not above.is_dir():
                raise SiteDirError(f"{site_dir} cannot be made: {above} is a file")
            break
    if os.path.lexists(target):
        if not target.is_dir():
            raise SiteDirError(f"{site_dir} is a file, not a folder")
        try:
            ours = _ours(target)
        except OSError as e:
            raise SiteDirError(f"{site_dir} cannot be read: {e.strerror}")
        if not ours:
            raise SiteDirError(f"{site_dir} is not empty and holds no {STAMP} (the mark of a site briefgen built), "
                               "so briefgen will not delete what is in it: empty or remove it yourself, or choose another folder")
    return target


def _inputs(project: Project) -> list[tuple[str, Path, bool]]:
    """What a build reads or keeps: (what it is, where, whether it is a folder the site may not lie inside)."""
    def named(what: str, path: Path) -> str:
        return f"{what} ({path.relative_to(project.root).as_posix() + '/' if path.is_relative_to(project.root) else path})"

    inputs = [(f"the project ({project.root})", project.root, False), (named("the corpus", project.briefs), project.briefs, True),
              (named("the templates", project.templates), project.templates, True),
              (named("the site's settings", project.site_config), project.site_config, True),
              (named("the mkdocs configuration", project.mkdocs_yml), project.mkdocs_yml, False),
              (named("the docs folder", project.docs), project.docs, True), (named("the build cache", project.cache), project.cache, True)]
    if project.custom_dir is not None:
        inputs.append((named("the theme's custom_dir", project.custom_dir), project.custom_dir, True))
    # what the project does not bring, briefgen's own: its templates, pages and theme overrides
    inputs += [(named("the templates", d), d, True) for d in project.template_dirs]
    inputs += [(named("the hand-written pages", d), d, True) for d in project.page_dirs]
    inputs += [(named("the theme's overrides", d), d, True) for d in project.override_dirs]
    return inputs


def _holds(folder: Path, path: Path) -> bool:
    """Whether `folder` is `path` or holds it: by name, or by identity (a path reached through other links or mounts)."""
    if folder == path or folder in path.parents:
        return True
    try:
        st = os.stat(folder)
    except OSError:
        return False
    for p in (path, *path.parents):
        try:
            s = os.stat(p)
        except OSError:
            continue
        if (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def _ours(folder: Path) -> bool:
    """Whether briefgen may replace `folder`: empty, stamped, or a site an older briefgen built before the stamp."""
    if not os.listdir(folder):
        return True
    stamp = folder / STAMP
    if stamp.is_file() and not stamp.is_symlink():
        with open(stamp, "rb") as f:
            if f.read(8) == b"briefgen":
                return True
    return all((folder / name).is_file() for name in _UNSTAMPED)


# --- scratch folders and the swap -------------------------------------------
#
# A build works in `.NAME-new-KEY` beside the target NAME (KEY: tempfile's eight
# characters) and holds an advisory lock on it from its creation to the swap.
# Every scratch folder it makes carries its KEY: `.NAME-old-KEY` (the previous
# site, renamed away), `..NAME-new-KEY-pagefind-*` (search.Indexer's),
# `..NAME-new-KEY-split-*` (the second mkdocs process's, build.split), and,
# when the target is a mount point, `.NAME-new-KEY` and `.NAME-old-KEY` inside
# the target. A killed build's lock dies with it, so a scratch folder whose
# `.NAME-new-KEY` nobody holds is left over, while a running build's are never
# touched; nor is a `.NAME-old-KEY` whose own lock is held: `discard` is
# removing it. A lock, not an age, because a build of a large corpus may run long.

def _scratch(name: str) -> re.Pattern:
    key = "[a-z0-9_]{8}"
    return re.compile(rf"\.{re.escape(name)}-(?:new|old)-({key})|\.\.{re.escape(name)}-new-({key})-(?:pagefind|split)-{key}")


def _lock(path: Path) -> int | None:
    """An open descriptor of the folder `path`, holding its lock; None if it is gone or another process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def claim(target: Path) -> tuple[Path, int | None]:
    """A new stamped scratch folder beside `target`, and the descriptor holding its lock."""
    while True:
        path = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
        fd = None
        if fcntl is not None:
            fd = _lock(path)
            if not _still(fd, path):  # another build's clean-up took it before it was locked: make another
                if fd is not None:
                    os.close(fd)
                continue
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o777 & ~umask)  # mkdtemp makes it private to us, but the site is for a web server to read
        (path / STAMP).write_text(_STAMP_TEXT, "utf-8")  # mkdocs keeps dot files when it empties the folder
        return path, fd


def _still(fd: int | None, path: Path) -> bool:
    """Whether the locked descriptor `fd` is still the folder at `path`."""
    try:
        return fd is not None and os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def remove_leftovers(target: Path) -> None:
    """Remove the scratch folders that killed builds left beside `target`, or inside it (see above)."""
    if fcntl is None:
        return
    scratch = _scratch(target.name)
    left: dict[str, list[Path]] = {}
    for folder in (target.parent, target):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            m = scratch.fullmatch(name)
            if m and (folder / name).is_dir() and not (folder / name).is_symlink():
                left.setdefault(m.group(1) or m.group(2), []).append(folder / name)
    for key, paths in left.items():
        owner = target.parent / f".{target.name}-new-{key}"
        fd = _lock(owner)
        if fd is None and owner.exists():
            continue  # its build is running
        try:
            for path in paths:
                if ("-old-" in path.name or "-split-" in path.name) and _being_discarded(path):
                    continue
                shutil.rmtree(path, ignore_errors=True)
        finally:
            if fd is not None:
                os.close(fd)


def _being_discarded(path: Path) -> bool:
    """Whether a process of `discard` holds the folder's lock (it is removing it)."""
    fd = _lock(path)
    if fd is None:
        return path.exists()
    os.close(fd)
    return False


def swap_in(new: Path, target: Path) -> None:
    """Put `new` in place of `target` with renames, so readers never see a half site.

    A target that cannot be renamed (a mount point: EBUSY, or on another
    device: EXDEV) has its contents swapped instead.
    """
    key = new.name[-8:]
    old = None
    if os.path.lexists(target):
        if not _ours(target):  # it changed during the build
            raise SiteDirError(f"{target} is no longer empty or a site briefgen built, so briefgen left it as it was")
        old = target.parent / f".{target.name}-old-{key}"
        try:
            os.rename(target, old)
        except OSError as e:
            if e.errno not in (errno.EBUSY, errno.EXDEV):
                raise
            _swap_contents(new, target, key)
            return
    try:
        os.rename(new, target)
    except OSError:
        if old is not None:
            os.rename(old, target)  # the previous site back in its place
        raise
    if old is not None:
        discard(old)


def discard(folder: Path) -> None:
    """Remove `folder` in a process of its own, which the build does not wait for.

    Removing a site's thousands of folders takes seconds (on a file system mounted with
    `discard`, milliseconds each), all of it after the new site is in place; if that process
    is killed, the next build removes what it left (`remove_leftovers`).
    """
    fd = _lock(folder) if fcntl is not None else None  # held by the process removing it: `remove_leftovers` waits
    try:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)", str(folder)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         pass_fds=(fd,) if fd is not None else ())
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        if fd is not None:
            os.close(fd)


def _swap_contents(new: Path, target: Path, key: str) -> None:
    """`swap_in` for a target that must stay where it is: its entries are replaced one by one.

    The new site is copied into a scratch folder inside the target, then each
    entry is renamed into place (a folder it replaces renamed away just
    before), so for a moment a reader may find old and new pages side by
    side, but never a half-written file. The stamp is replaced last, so an
    interrupted swap leaves a folder the next build may replace.
    """
    stage = target / f".{target.name}-new-{key}"
    old = target / f".{target.name}-old-{key}"
    old.mkdir()
    try:
        shutil.copytree(new, stage, symlinks=True)
        names = sorted(os.listdir(stage), key=lambda name: name == STAMP)
        for name in names:
            dest = target / name
            if os.path.lexists(dest) and (dest.is_dir() or (stage / name).is_dir()):
                os.rename(dest, old / name)
            os.rename(stage / name, dest)
        scratch = _scratch(target.name)
        for name in os.listdir(target):
            if name not in names and not scratch.fullmatch(name):
                os.rename(target / name, old / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
