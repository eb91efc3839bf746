"""Where the site goes, and what stamps it."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
from pathlib import Path

import pytest


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
