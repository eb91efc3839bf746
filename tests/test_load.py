"""Files that are not valid YAML mappings, and folders or links under briefs/ that cannot be
walked: a positioned error, never a traceback.

More hostile cases live as files in fixtures/hostile/ (test_hostile.py)."""

from __future__ import annotations

import os

import pytest


def _only(result) -> str:
    assert result.code == 1, result.err
    assert len(result.lines) == 1, result.err
    return result.lines[0]


def test_yaml_syntax_error(minimal):
    minimal.write("broken.yaml", "title: Broken\nsummary: [unclosed\ntlp: clear\n")
    line = _only(minimal.run("validate"))
    assert line.startswith("briefs/broken.yaml:3:4: error: YAML syntax:")


@pytest.mark.parametrize("value", ["!!int abc", "!!float x", "[1, !!int 0x]"])
def test_a_value_its_explicit_tag_cannot_read_is_a_positioned_error(minimal, value):
    minimal.write("broken.yaml", f"title: Broken\nsummary: {value}\n")
    line = _only(minimal.run("validate"))
    assert line.startswith(f"briefs/broken.yaml:2:{10 + value.find('!!')}: error: YAML tag !!"), line
    assert "cannot read" in line
    # the history reads earlier versions the same way: such a version is skipped, not a crash
    from generator.stages.load import plain_data
    assert plain_data(f"summary: {value}\n".encode()) is None


def test_duplicate_keys_are_detected(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: state\nname: Other name\n")
    assert _only(minimal.run("validate")) == "briefs/actors/beta-state.yaml:3:1: error: duplicate key 'name': an earlier value would be silently replaced"


def test_duplicate_keys_in_nested_mapping(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("    credibility: 2\n", "    credibility: 2\n    credibility: 1\n"))
    assert _only(minimal.run("validate")) == "briefs/2024/first-brief.yaml:19:5: error: duplicate key 'credibility': an earlier value would be silently replaced"


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(minimal, content):
    (minimal.root / "briefs/empty.yaml").write_text(content)
    assert _only(minimal.run("validate")) == "briefs/empty.yaml:1:1: error: file is empty: expected a mapping of fields"


@pytest.mark.parametrize("content,found", [("- a\n- b\n", "list"), ("just text\n", "str"), ("42\n", "int")])
def test_top_level_not_a_mapping(minimal, content, found):
    (minimal.root / "briefs/odd.yaml").write_text(content)
    assert _only(minimal.run("validate")) == f"briefs/odd.yaml:1:1: error: the file must be a mapping of fields, found {found}"


def test_not_utf8(minimal):
    (minimal.root / "briefs/latin1.yaml").write_bytes("title: Erdoğan\n".encode("utf-8").replace("ğ".encode(), b"\xf0") + "summary: caf\xe9\n".encode("latin-1"))
    line = _only(minimal.run("validate"))
    assert line.startswith("briefs/latin1.yaml:1:") and "not valid UTF-8" in line


def test_small_aliases_are_fine(minimal):
    minimal.write("actors/gamma.yaml", "name: &n Gamma\nkind: other\naliases: [*n]\n")
    assert minimal.run("validate").code == 0


def test_oversized_file(minimal):
    (minimal.root / "briefs/huge.yaml").write_text("title: x\nsummary: |\n" + ("  " + "y" * 99 + "\n") * 11000)
    assert _only(minimal.run("validate")) == "briefs/huge.yaml:1:1: error: file is 1,122,020 bytes, over the limit of 1,000,000; split it into several briefs"


def test_a_file_of_too_many_values_is_refused_even_without_aliases(minimal):
    # 210,000 empty list items in 420 KB: the bound on values holds without an anchor in sight
    (minimal.root / "briefs/many.yaml").write_text("title: x\ntags:\n" + "-\n" * 210_000)
    assert _only(minimal.run("validate")) == "briefs/many.yaml:1:1: error: YAML aliases expand to more than 200,000 values; write the content out instead"


# --- the walk over briefs/: symbolic links and folders that cannot be read ---------------


def test_a_symbolic_link_loop_is_a_positioned_error(minimal):
    (minimal.root / "briefs/2024/again").symlink_to("../2024")
    assert _only(minimal.run("validate")) == "briefs/2024/again:1:1: error: symbolic link loop: briefs/2024/again points back to briefs/2024"


def test_a_link_to_the_corpus_folder_itself_is_a_loop(minimal):
    (minimal.root / "briefs/2024/top").symlink_to(minimal.root / "briefs")
    assert _only(minimal.run("validate")) == "briefs/2024/top:1:1: error: symbolic link loop: briefs/2024/top points back to briefs"


def test_a_link_to_itself_is_a_positioned_error(minimal):
    (minimal.root / "briefs/2024/self").symlink_to("self")
    assert _only(minimal.run("validate")).startswith("briefs/2024/self:1:1: error: cannot follow the symbolic link: ")


def test_a_folder_linked_once_is_read_as_if_it_were_there(minimal, tmp_path):
    shared = tmp_path / "shared"
    (minimal.root / "briefs/2024").rename(shared)
    (minimal.root / "briefs/2024").symlink_to(shared)
    r = minimal.run("validate")
    assert r.code == 0, r.err
    assert "ok: 1 briefs, 2 claims" in r.out


def test_two_links_to_one_folder_are_an_error_at_the_second(minimal, tmp_path):
    shared = tmp_path / "shared"
    (minimal.root / "briefs/2024").rename(shared)
    (minimal.root / "briefs/2024").symlink_to(shared)
    (minimal.root / "briefs/2024-copy").symlink_to(shared)
    assert _only(minimal.run("validate")) == (
        "briefs/2024-copy:1:1: error: folder already read as briefs/2024: a symbolic link leads to it twice, "
        "so its files would count twice; keep one way to it")


@pytest.mark.parametrize("name", ["gone.yaml", "gone-folder"])
def test_a_link_to_nothing_is_an_error_not_a_brief_left_out(minimal, name):
    (minimal.root / "briefs" / name).symlink_to("../nowhere")
    assert _only(minimal.run("validate")) == f"briefs/{name}:1:1: error: symbolic link to nothing: '../nowhere' does not exist"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_a_folder_that_cannot_be_read_is_an_error_not_briefs_left_out(minimal):
    folder = minimal.root / "briefs/2024"
    folder.chmod(0)
    try:
        assert _only(minimal.run("validate")) == "briefs/2024:1:1: error: cannot read the folder: Permission denied"
    finally:
        folder.chmod(0o755)


def test_a_file_that_cannot_be_read_is_a_positioned_error(minimal, monkeypatch):
    """Root reads any file whatever its mode, so the refusal a user would meet is made here."""
    from pathlib import Path

    from generator.stages.load import load_document

    file = minimal.root / "briefs/2024/first-brief.yaml"
    real = Path.read_bytes

    def refuse(path):
        if path == file:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    doc, problems = load_document(file, minimal.root / "briefs", minimal.root)
    assert doc is None
    assert [str(p) for p in problems] == ["briefs/2024/first-brief.yaml:1:1: error: cannot read the file: Permission denied"]
