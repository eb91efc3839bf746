"""`briefgen serve` in a real browser: edit a brief, reload, see the change."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from support import free_port, minimal_project


def test_serve_shows_an_edit_after_reload(tab, tmp_path):
    project = minimal_project(tmp_path / "proj")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "-a", f"127.0.0.1:{port}"], cwd=project.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = tab.page
    url = f"http://127.0.0.1:{port}/briefs/first-brief/"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if page.goto(url).status == 200:
                    break
            except Exception:
                pass
            assert time.time() < deadline, "serve did not come up"
            time.sleep(0.5)
        assert page.locator("h1").first.inner_text().rstrip("¶") == "First brief"
        path = project.root / "briefs/2024/first-brief.yaml"
        path.write_text(path.read_text().replace("title: First brief", "title: Edited in the preview"))
        deadline = time.time() + 60
        while page.locator("h1").first.inner_text().rstrip("¶") != "Edited in the preview":
            assert time.time() < deadline, "the edit never showed"
            time.sleep(1)
            page.reload()
        assert not tab.outside_requests()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(tmp_path, ignore_errors=True)
