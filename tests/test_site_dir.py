"""Where the site goes: `build --site-dir` replaces only a folder that is empty or a site briefgen built,
never the project or its inputs; scratch folders of killed builds go; a mount point can be the site."""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

STAMP = ".briefgen-site"


def _snapshot(root: Path) -> dict[str, str]:
    """Every file, folder and link under `root`, with the bytes of each file."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# what each --site-dir names, from the project folder; {tmp} is the folder holding the project
DANGEROUS = {
    "the corpus": "briefs",
    "the project": ".",
    "the folder holding the project": "..",
    "the same, spelled out": "{tmp}",
    "the docs folder": "build/docs",
    "the build folder": "build",
    "the build cache": "build/.briefgen-cache",
    "the templates": "templates",
    "the site's settings": "site_config",
    "a folder inside the corpus": "briefs/site",
    "a folder inside the theme's custom_dir": "site_config/overrides/site",
    "a link to the corpus": "corpus-link",
    "a folder of someone else's": "../notes",
    "a file": "../notes.txt",
    "a folder inside a file": "../notes.txt/site",
}


def _others(tmp_path: Path, root: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/keep.txt").write_text("mine\n")
    (tmp_path / "notes.txt").write_text("mine too\n")
    (root / "corpus-link").symlink_to("briefs")


@pytest.mark.parametrize("case", DANGEROUS)
def test_a_dangerous_site_dir_is_refused_and_nothing_moves(minimal, tmp_path, case):
    assert minimal.run("build").code == 0
    _others(tmp_path, minimal.root)
    site_dir = DANGEROUS[case].format(tmp=tmp_path)
    before = _snapshot(tmp_path)
    r = minimal.run("build", "--site-dir", site_dir)
    assert r.code == 2, (r.out, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --site-dir "), r.err
    assert _snapshot(tmp_path) == before


def test_refusals_say_why(minimal, tmp_path):
    _others(tmp_path, minimal.root)
    assert "is the corpus (briefs/)" in minimal.run("build", "--site-dir", "briefs").err
    assert "holds the docs folder (build/docs/)" in minimal.run("build", "--site-dir", "build").err
    err = minimal.run("build", "--site-dir", "../notes").err
    assert f"is not empty and holds no {STAMP}" in err and "empty or remove it yourself, or choose another folder" in err


def test_the_default_site_folder_of_someone_else_is_refused(minimal):
    (minimal.root / "site").mkdir()
    (minimal.root / "site/index.html").write_text("<p>a hand-made page</p>\n")
    r = minimal.run("build")
    assert r.code == 2
    assert f"site is not empty and holds no {STAMP}" in r.err
    assert (minimal.root / "site/index.html").read_text() == "<p>a hand-made page</p>\n"


def test_an_empty_folder_becomes_a_stamped_site(minimal, tmp_path):
    (tmp_path / "public").mkdir()
    r = minimal.run("build", "--site-dir", "../public")
    assert r.code == 0, r.err
    assert (tmp_path / "public/index.html").exists()
    assert (tmp_path / "public" / STAMP).read_text().startswith("briefgen")


def test_the_site_folder_is_as_readable_as_any_new_folder(minimal):
    """A web server running as another user must be able to read it: the umask decides, as for mkdir."""
    umask = os.umask(0)
    os.umask(umask)
    assert minimal.run("build").code == 0
    assert (minimal.root / "site").stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_site_briefgen_built_is_replaced(minimal, tmp_path):
    assert minimal.run("build", "--site-dir", "../public").code == 0
    (minimal.root / "briefs/actors/beta-state.yaml").unlink()
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: state\naliases: [Betaland]\n")
    assert minimal.run("build", "--site-dir", "../public").code == 0
    assert "Betaland" in (tmp_path / "public/actors/beta-state/index.html").read_text()
    assert (tmp_path / "public" / STAMP).exists()


def test_a_site_built_before_the_stamp_is_replaced(minimal):
    """An older briefgen left site/ without the stamp: the upgrade's first build replaces it."""
    assert minimal.run("build").code == 0
    (minimal.root / "site" / STAMP).unlink()
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert (minimal.root / "site" / STAMP).exists()


def _hold_lock(folder: Path) -> subprocess.Popen:
    """Another process holding the lock a running build holds on its scratch folder."""
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); "
            "print('locked', flush=True); time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_scratch_folders_of_a_killed_build_are_removed_but_not_a_running_builds(minimal):
    root = minimal.root
    dead = [root / ".site-new-k1lled00", root / "..site-new-k1lled00-pagefind-x2y3z4w5", root / "..site-new-k1lled00-split-a1b2c3d4",
            root / ".site-old-k1lled00"]
    running = [root / ".site-new-running1", root / "..site-new-running1-pagefind-abcdefgh", root / "..site-new-running1-split-abcdefgh"]
    other = [root / ".site-new-NotOurs1", root / ".site-new-short"]  # not the names briefgen makes: not touched
    for folder in dead + running + other:
        folder.mkdir()
        (folder / "secret.html").write_text("Informant Zephyrine reports a meeting in Sarmada.\n")
    holder = _hold_lock(running[0])
    try:
        r = minimal.run("build")
        assert r.code == 0, r.err
    finally:
        holder.kill()
        holder.wait()
    assert [f for f in dead if f.exists()] == []
    assert all((f / "secret.html").exists() for f in running + other)
    r = minimal.run("build")  # its build is gone now
    assert r.code == 0, r.err
    assert [f for f in running if f.exists()] == []
    assert all(f.exists() for f in other)


def test_a_build_killed_halfway_leaves_nothing_after_the_next(minimal):
    root = minimal.root
    env = {**os.environ, "GITHUB_ACTIONS": ""}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build"], cwd=root, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        scratch = list(root.glob(".site-new-*"))
        if scratch and (scratch[0] / "index.html").exists():
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # with its children (Pagefind), as a cancelled CI job is
    proc.wait()
    if not list(root.glob(".site-new-*")):
        pytest.skip("the build finished before it could be killed")
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []
    assert (root / "site/index.html").exists()


# --- a mount point as the site ------------------------------------------------

def _site_with(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


@pytest.mark.parametrize("code", [errno.EBUSY, errno.EXDEV])
def test_a_site_that_cannot_be_renamed_has_its_contents_swapped(tmp_path, monkeypatch, code):
    from generator.site import swap

    target = _site_with(tmp_path / "site", {STAMP: "briefgen: old\n", "index.html": "old home", "gone/index.html": "old page",
                                            "kept/index.html": "old kept", "page.html": "old file"})
    new = _site_with(tmp_path / ".site-new-abcd1234", {STAMP: "briefgen: new\n", "index.html": "new home",
                                                       "kept/index.html": "new kept", "page.html": "new file", "added/a.txt": "new"})
    inode = target.stat().st_ino
    rename = os.rename

    def mount_point(src, dst):
        if Path(src) == target or Path(dst) == target:
            raise OSError(code, os.strerror(code))
        rename(src, dst)

    monkeypatch.setattr(os, "rename", mount_point)
    swap.swap_in(new, target)
    assert target.stat().st_ino == inode  # the same folder, not another renamed into its place
    assert _snapshot(target) == {STAMP: _digest("briefgen: new\n"), "index.html": _digest("new home"), "kept": "dir",
                                 "kept/index.html": _digest("new kept"), "page.html": _digest("new file"),
                                 "added": "dir", "added/a.txt": _digest("new")}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _can_mount(tmp_path: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    r = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs probe '{probe}'"], capture_output=True)
    probe.rmdir()
    return r.returncode == 0


def test_a_mount_point_as_the_site(minimal, tmp_path):
    """site/ as a mounted file system (as a container volume is): it cannot be renamed, so its contents are swapped."""
    if not _can_mount(tmp_path):
        pytest.skip("no unprivileged mount namespace here")
    site = minimal.root / "site"
    site.mkdir()
    copy = tmp_path / "copy"
    script = (f"mount -t tmpfs briefgen-test site && {sys.executable} -m generator build && "
              f"{sys.executable} -m generator build && cp -a site {copy}")
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=minimal.root, capture_output=True, text=True,
                       env={**os.environ, "GITHUB_ACTIONS": ""}, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert (copy / "index.html").exists() and (copy / STAMP).exists()
    assert [p.name for p in copy.iterdir() if p.name.startswith(".site")] == []
    assert [p.name for p in minimal.root.iterdir() if p.name.startswith(".site")] == []
    # the same site a build into an ordinary folder makes
    assert minimal.run("build", "--site-dir", "../plain").code == 0
    assert _snapshot(copy) == _snapshot(tmp_path / "plain")


# --- dates a gzip header cannot hold --------------------------------------------

@pytest.mark.parametrize("year, mtime", [("1965", 0), ("2200", 4294944000), ("0000", 0)])
def test_a_corpus_dated_outside_the_gzip_years_builds(minimal, year, mtime):
    """1965 is history, 2200 valid ISO; the sitemap's gzip header holds 1970 to 2106 (the nearest is used)."""
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace('published: "2024-03"', f'published: "{year}"'))
    (minimal.root / "site_config/site.yml").write_text("url: https://briefs.example.org/\n")
    r = minimal.run("build")
    assert r.code == 0, r.err
    gz = (minimal.root / "site/sitemap.xml.gz").read_bytes()
    assert struct.unpack("<L", gz[4:8])[0] == mtime
    assert gzip.decompress(gz) == (minimal.root / "site/sitemap.xml").read_bytes()
    first = _snapshot(minimal.root / "site")
    shutil.rmtree(minimal.root / "build")
    assert minimal.run("build").code == 0
    assert _snapshot(minimal.root / "site") == first
