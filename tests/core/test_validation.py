"""Broken document sets are refused with every error at once: file, line, reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from geobot.documents.loader import load_document_set

ALLIANCE = "trump-putin-alliance-unravels"
REALIGN = "trump-russia-realignment-new-world-order"


def errors_of(folder: Path) -> list[str]:
    result = load_document_set(folder)
    assert not result.ok
    assert result.documents is None
    return [str(e) for e in result.errors]


def test_missing_folder() -> None:
    assert errors_of(Path("/nonexistent/geobot-data")) == [
        "/nonexistent/geobot-data: error: data folder not found"
    ]


def test_empty_folder(tmp_path: Path) -> None:
    assert "no articles" in errors_of(tmp_path)[0]


def test_curated_passage_not_in_the_text_names_file_and_line(data_copy: Path) -> None:
    path = data_copy / f"{ALLIANCE}.toml"
    text = path.read_text(encoding="utf-8")
    bad = text.replace(
        "originated in a confluence of political interests",
        "originated in a confluence of personal interests",
        1,
    )
    assert bad != text
    path.write_text(bad, encoding="utf-8")
    line = next(n for n, row in enumerate(bad.splitlines(), 1) if "personal interests" in row)
    errors = errors_of(data_copy)
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:{line}: error: argument ")
    assert "evidence not found in the article" in errors[0]


def test_quote_with_straight_quotes_and_extra_spaces_still_matches(data_copy: Path) -> None:
    path = data_copy / f"{REALIGN}.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'text = "It’s time to leave NATO and the UN"',
            'text = "It\'s  time to leave NATO and the UN"',
        ),
        encoding="utf-8",
    )
    assert load_document_set(data_copy).ok


def test_every_error_is_reported_at_once(data_copy: Path) -> None:
    (data_copy / f"{ALLIANCE}.toml").write_text("[document\ntitle = 'x'\n", encoding="utf-8")
    (data_copy / "orphan.toml").write_text("[document]\ntitle = 'x'\n", encoding="utf-8")
    (data_copy / "empty.txt").write_bytes(b"")
    (data_copy / "latin1.txt").write_bytes("caf\xe9 au lait.\n".encode("latin-1"))
    (data_copy / "junk.txt").write_bytes(b"\x00\x01\x02binary")
    errors = errors_of(data_copy)
    joined = "\n".join(errors)
    assert f"{ALLIANCE}.toml:1: error: invalid TOML" in joined
    assert "orphan.toml: error: curated file for unknown document 'orphan'" in joined
    assert "empty.txt: error: file is empty" in joined
    assert "latin1.txt:1: error: not UTF-8 text" in joined
    assert "junk.txt: error: binary file" in joined
    assert len(errors) == 5


def test_schema_errors(data_copy: Path) -> None:
    path = data_copy / f"{REALIGN}.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('kind = "title"', 'kind = "title"\nspeaker = "Anne Applebaum"', 1)
    text = text.replace("[[arguments]]\nid = ", "[[arguments]]\nclaimz = 'typo'\nid = ", 1)
    text = text.replace('id = "note-2"', 'id = "note-1"', 1)
    text += '\n[[quotes]]\ntext = "words nobody wrote"\nkind = "quote"\n'
    path.write_text(text, encoding="utf-8")
    errors = "\n".join(errors_of(data_copy))
    assert "unknown key 'claimz'" in errors
    assert "which has no speaker" in errors
    assert "duplicate source id 'note-1'" in errors
    assert "quote not found in the article: 'words nobody wrote'" in errors


def test_summary_must_have_three_to_six_sentences(data_copy: Path) -> None:
    path = data_copy / f"{ALLIANCE}.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, row in enumerate(lines) if row.startswith("summary"))
    end = next(
        i for i in range(start, len(lines)) if lines[i].rstrip().endswith('"""') and i > start
    )
    lines[start : end + 1] = ['summary = "Too short."']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = errors_of(data_copy)
    assert any("summary has 1 sentences; write 3 to 6" in e for e in errors)


def test_new_article_without_curation_loads_as_uncurated(data_copy: Path) -> None:
    (data_copy / "new-article.txt").write_text(
        "A Brand New Article\nThe minister said “we are ready” on Monday.1 It was cold.\n",
        encoding="utf-8",
    )
    result = load_document_set(data_copy)
    assert result.ok
    doc = result.documents.documents["new-article"]  # type: ignore[union-attr]
    assert not doc.curated
    assert doc.title == "A Brand New Article"
    assert any("uncurated" in str(w) for w in result.warnings)


def test_index_check_cli_reports_without_traceback(data_copy: Path) -> None:
    (data_copy / f"{ALLIANCE}.toml").write_bytes(b"\xff\xfe not utf8")
    run = subprocess.run(
        [sys.executable, "-m", "geobot", "index", "check", str(data_copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert f"{ALLIANCE}.toml:1: error: not UTF-8 text" in run.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "geobot", "index", "check", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert '"ok": true' in ok.stdout
