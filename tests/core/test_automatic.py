"""Uncurated documents are first-class, and what is automatic is always marked so.

Issue #16 items 4 and 5: an uncurated article gets an automatic summary (LexRank), key
claims with their supporting sentences and sources from its notes list, all marked
automatic; a curated file that still holds TODO markers is reported by `index check`
(an error with --strict) and the values it marks are served as automatic; `quote`,
`arguments` and `sources` list everything, and say so when --limit leaves some out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from geobot.bot import render
from geobot.documents import loader
from geobot.documents.curation import TodoMarker, marked_fields, todo_markers
from geobot.documents.loader import load_document_set
from geobot.documents.model import Document, Passage
from geobot.documents.summarize import Digest, is_summary_sentence, lexrank
from geobot.library import Library
from geobot.text.quote_marks import MarkStyle

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "articles"
DATA = Path(__file__).resolve().parents[2] / "data"
NOTED = "crs-mongolia-in-brief-2026"  # an article with a numbered notes list
CURATED = "trump-putin-alliance-unravels"  # fully curated: summary and arguments


def geobot(*args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "geobot", *args], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run


@pytest.fixture(scope="module")
def corpus() -> dict[str, Document]:
    result = load_document_set(CORPUS)
    assert result.ok, [str(e) for e in result.errors]
    assert result.documents is not None
    return result.documents.documents


def _sentences_of(document: Document, summary: str) -> list[str]:
    """The article's sentences a summary is made of, in order; fails unless it is made of
    nothing else."""
    picked, rest = [], summary
    for passage in document.passages:
        if rest.startswith(passage.text):
            picked.append(passage.text)
            rest = rest[len(passage.text) :].lstrip()
    assert rest == "", (document.id, rest)
    return picked


@pytest.fixture
def drafted(tmp_path: Path) -> Path:
    """Two corpus articles with the drafts `geobot curate draft` writes, left unedited."""
    folder = tmp_path / "set"
    folder.mkdir()
    for name in (NOTED, "ooh-cuban-missile-crisis-1962"):
        shutil.copy(CORPUS / f"{name}.txt", folder)
        run = geobot("curate", "draft", str(folder / f"{name}.txt"))
        assert run.returncode == 0, run.stderr
    return folder


# -- LexRank ------------------------------------------------------------------------------


def test_lexrank_ranks_the_most_connected_sentence_highest() -> None:
    """Rule: salience is LexRank centrality: a sentence similar to all others ranks first,
    one similar to none ranks last."""
    similarity = np.array(
        [
            [1.0, 0.6, 0.6, 0.6, 0.0],
            [0.6, 1.0, 0.1, 0.1, 0.0],
            [0.6, 0.1, 1.0, 0.1, 0.0],
            [0.6, 0.1, 0.1, 1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    )
    scores = lexrank(similarity)
    assert abs(scores.sum() - 1.0) < 1e-6
    assert int(np.argmax(scores)) == 0
    assert int(np.argmin(scores)) == 4


@pytest.mark.parametrize(
    "text",
    [
        "By Jane Doe, Senior Fellow, Center for Strategic and International Studies Washington",
        "What Has Changed Since the Ceasefire Was Announced in the Region Last Week?",
        "This shows that the policy has failed to deliver the promised results at home.",
        "The Strategic Context Of The Northern Corridor And Its Many Regional Partners",
        "Short sentence here.",
    ],
)
def test_summary_skips_bylines_questions_headings_and_leaning_sentences(text: str) -> None:
    """Rule: a summary sentence stands alone: no byline, question, title-case heading,
    sentence leaning on the one before, or fragment."""
    assert not is_summary_sentence(text, MarkStyle.DOUBLE)


def test_summary_takes_a_plain_statement() -> None:
    """Rule: an ordinary statement of readable length can be a summary sentence."""
    assert is_summary_sentence(
        "Mongolia has sought good relations with both of its neighbors since the 1990s.",
        MarkStyle.DOUBLE,
    )


@pytest.mark.parametrize(
    ("text", "style"),
    [
        # Mostly quotation, in every house style.
        (
            "‘Russia will never accept a ceasefire that leaves its troops exposed,’ he said.",
            "single",
        ),
        (
            "'Russia will never accept a ceasefire that leaves its troops exposed,' he said.",
            "single",
        ),
        (
            "“Russia will never accept a ceasefire that leaves its troops exposed,” he said.",
            "double",
        ),
        (
            '"Russia will never accept a ceasefire that leaves its troops exposed," he said.',
            "double",
        ),
        (
            "«Russia will never accept a ceasefire that leaves its troops exposed», he said.",
            "double",
        ),
        # The end of a quotation opened in the sentence before, and the start of one that
        # goes on in the next.
        (
            "We will keep fighting until the whole border is restored,’ she told the assembly.",
            "single",
        ),
        (
            "We will keep fighting until the whole border is restored,” she told the assembly.",
            "double",
        ),
        (
            "The minister told the assembly on Tuesday: ‘We will keep fighting until the end.",
            "single",
        ),
    ],
)
def test_summary_skips_sentences_of_someone_else_s_words_in_any_house_style(
    text: str, style: str
) -> None:
    """Rule: a summary says what the article says in its own voice: a sentence mostly in
    quotation marks, or a piece of a longer quotation, is left out, whichever marks the
    article's house style puts outside (curly, straight, single, guillemets)."""
    assert not is_summary_sentence(text, MarkStyle(style))


@pytest.mark.parametrize(
    "text",
    [
        "Putin’s government has kept the country’s borders shut since the ’90s; few expect change.",
        "Putin's government has kept the country's borders shut since the '90s; few expect change.",
        "The students’ union has opposed the government’s new security law since it was passed.",
        "The minister called the agreement a ‘historic step’ for both countries and their ties.",
    ],
)
def test_apostrophes_are_not_quotations_in_a_single_quote_house_style(text: str) -> None:
    """Rule: in an article whose quotation marks are single, apostrophes (Putin’s, don’t,
    students’, the ’90s) are not quotation marks, and a short quotation leaves the sentence
    the article's own."""
    assert is_summary_sentence(text, MarkStyle.SINGLE)


def test_a_british_style_article_s_summary_is_in_its_own_voice(tmp_path: Path) -> None:
    """Rule: the automatic summary of an article in British house style (‘single’ marks
    outside) reads its quotations as the quote extractor does: no summary sentence is mostly
    someone else's words."""
    claim = (
        "‘The ceasefire must hold, the talks must go on and the aid must reach the border "
        "towns,’ the foreign minister said."
    )
    body = [
        "The ceasefire on the northern border has held for a month since the talks began.",
        claim,
        "Diplomats said the talks would go on into the spring despite the fighting.",
        "Farmers in the border towns have returned to fields they left during the war.",
        "The government’s critics doubt that the ceasefire will hold through the summer months.",
        "Aid groups said the crossings had reopened for trucks carrying aid to the towns.",
        "The foreign minister has asked donors to pay for the aid the towns still need.",
    ]
    (tmp_path / "british-ceasefire.txt").write_text(
        "Ceasefire Holds on the Northern Border\n\n" + "\n\n".join(body) + "\n", encoding="utf-8"
    )
    result = load_document_set(tmp_path)
    assert result.documents is not None, [str(e) for e in result.errors]
    document = result.documents.documents["british-ceasefire"]
    assert document.summary_automatic
    assert claim not in _sentences_of(document, document.summary or "")


# -- uncurated documents, loaded --------------------------------------------------------


def test_uncurated_corpus_gets_automatic_summaries_of_its_own_sentences(
    corpus: dict[str, Document],
) -> None:
    """Rule: an uncurated article has a 3-5 sentence extractive summary, marked automatic,
    made of its own sentences word for word, without its title glued on."""
    for document in corpus.values():
        assert document.summary, document.id
        assert document.summary_automatic, document.id
        picked = _sentences_of(document, document.summary)
        assert 3 <= len(picked) <= 5, (document.id, picked)
        # The title glued on reads "Title The first sentence…"; a sentence about the
        # subject of the title ("The 1967 War marked…") goes on in lower case.
        for sentence in picked:
            if sentence.startswith(document.title):
                assert not sentence[len(document.title) :].lstrip()[:1].isupper(), sentence
        for heading in (s.heading for s in document.sections if s.heading):
            assert not document.summary.startswith(heading), (document.id, heading)
        if document.author:
            assert document.author not in document.summary


def test_uncurated_corpus_gets_automatic_claims_with_support(
    corpus: dict[str, Document],
) -> None:
    """Rule: an uncurated article has key claims, each marked automatic and resting on
    other sentences of the article, from the claim's own section."""
    for document in corpus.values():
        assert document.arguments, document.id
        for argument in document.arguments:
            assert argument.automatic
            assert argument.claim in {p.text for p in document.passages}
            assert argument.evidence
            for evidence in argument.evidence:
                passage = document.passage(evidence.passage_ids[0])
                assert passage.text == evidence.text != argument.claim
                claim_section = next(
                    p.section for p in document.passages if p.text == argument.claim
                )
                assert passage.section == claim_section


def test_automatic_claims_add_nothing_to_the_search_index(corpus: dict[str, Document]) -> None:
    """Rule: an automatic claim is one of the article's sentences, so it must not weigh on
    search: answers on an uncurated set rank as if there were no claims."""
    from dataclasses import replace

    result = load_document_set(CORPUS)
    assert result.documents is not None
    library = Library(result.documents, semantic=False)
    bare = replace(
        result.documents,
        documents={k: replace(d, arguments=()) for k, d in result.documents.documents.items()},
    )
    without = Library(bare, semantic=False)
    question = "What happened to the Jupiter missiles in Turkey?"
    assert [h.text for h in library.ask(question).hits] == [
        h.text for h in without.ask(question).hits
    ]


# -- the command line on an uncurated folder --------------------------------------------


def test_cli_summary_says_automatic() -> None:
    """Rule: readers see plainly that an uncurated summary is automatic (text and JSON)."""
    run = geobot("summary", NOTED, "--data", str(CORPUS))
    assert run.returncode == 0, run.stderr
    assert "Automatic summary" in run.stdout
    assert "not curated" in run.stdout
    assert "Mongolia: In Brief" in run.stdout.splitlines()[0]
    data = json.loads(geobot("summary", NOTED, "--data", str(CORPUS), "--json").stdout)
    (document,) = data["documents"]
    assert document["summary_automatic"] is True
    assert document["curated"] is False
    assert document["sections"]


def test_cli_arguments_are_marked_automatic_and_limited_out_loud() -> None:
    """Rule: automatic claims are marked in text and JSON; a --limit that cuts the list
    says how many it left out."""
    data = json.loads(geobot("arguments", NOTED, "--data", str(CORPUS), "--json").stdout)
    assert data["total"] == len(data["results"]) >= 2
    assert data["omitted"] == 0
    assert all(a["automatic"] and a["evidence"] for a in data["results"])
    run = geobot("arguments", NOTED, "--data", str(CORPUS), "--limit", "1")
    assert "(automatic" in run.stdout
    assert f"… and {data['total'] - 1} more arguments not shown" in run.stdout


def test_cli_sources_come_from_the_notes_list() -> None:
    """Rule: an uncurated article's sources are its notes, with the text its notes list
    gives, and the sentences that cite them."""
    data = json.loads(geobot("sources", NOTED, "--data", str(CORPUS), "--json").stdout)
    listed = [s for s in data["results"] if s["origin"] == "notes"]
    assert listed
    assert all(s["description"] for s in listed)
    assert any(s["claims"] for s in listed)
    assert data["omitted"] == 0
    assert data["total"] == len(data["results"])


def test_cli_quote_json_lists_every_quote(corpus: dict[str, Document]) -> None:
    """Rule: `quote --json` is never cut silently: all quotes by default; with --limit,
    the total and how many were left out."""
    every = sum(len(d.quotes) for d in corpus.values())
    assert every > 25  # more than the old silent cut
    data = json.loads(geobot("quote", "--json", "--data", str(CORPUS)).stdout)
    assert len(data["results"]) == data["total"] == every
    assert data["omitted"] == 0
    assert all(q["curated"] is False for q in data["results"])
    cut = json.loads(geobot("quote", "--json", "--data", str(CORPUS), "--limit", "5").stdout)
    assert len(cut["results"]) == 5
    assert cut["omitted"] == every - 5
    text = geobot("quote", "--data", str(CORPUS), "--limit", "3").stdout
    assert f"… and {every - 3} more quotes not shown" in text


def test_cli_ask_on_uncurated_folder_resolves_citations() -> None:
    """Rule: answers from an uncurated article name its title and section and show what a
    cited note says, from the article's own notes list."""
    data = json.loads(
        geobot(
            "ask", "How dependent is Mongolia on mining exports?", "--data", str(CORPUS), "--json"
        ).stdout
    )
    assert data["results"]
    first = data["results"][0]
    assert first["title"] == "Mongolia: In Brief"
    cited = [c for r in data["results"] for c in r["citations"]]
    assert any(c.startswith("note ") and ": " in c for c in cited), cited


# -- TODO markers ------------------------------------------------------------------------


def test_todo_markers_are_tied_to_the_values_they_mark() -> None:
    """Rule: a TODO on a key's line marks that key; a TODO comment (of one or more lines)
    marks the key after it; one with no key after it is a note on the file."""
    raw = "\n".join(
        [
            "[document]",
            'title = "T"  # TODO: confirm',
            "# TODO: rewrite the summary,",
            "# in your own words",
            'summary = "S."',
            "",
            "[[quotes]]",
            'text = "a"',
            'kind = "quote"',
            "[[quotes]]",
            'text = "b"',
            'speaker = "X"  # TODO: confirm the speaker',
            "",
            "# TODO: add the arguments",
            "# [[arguments]]",
        ]
    )
    found = [(m.line, m.table, m.index, m.key) for m in todo_markers(raw)]
    assert found == [
        (2, "document", None, "title"),
        (3, "document", None, "summary"),
        (12, "quotes", 1, "speaker"),
        (14, None, None, None),
    ]


def _marker_lines(folder: Path) -> set[tuple[str, int]]:
    """(file, line) of every TODO marker in the curated files of `folder`."""
    return {
        (str(path), marker.line)
        for path in folder.glob("*.toml")
        for marker in todo_markers(path.read_text("utf-8"))
    }


def test_unedited_draft_is_reported_and_served_as_automatic(drafted: Path) -> None:
    """Rule: a curated file that still holds TODO markers is reported by `index check`,
    naming file and line, and its marked values are served as automatic, not curated."""
    run = geobot("index", "check", str(drafted))
    assert run.returncode == 0, run.stderr
    reported = [line for line in run.stdout.splitlines() if "TODO marker" in line]
    assert reported
    assert any(f"{NOTED}.toml:" in line and "summary" in line for line in reported)
    listing = geobot("documents", "--data", str(drafted)).stdout
    assert "TODO markers left (those values are automatic)" in listing
    result = load_document_set(drafted)
    assert result.ok
    assert result.documents is not None
    for document in result.documents:
        assert document.todo_markers > 0
        assert document.summary_automatic
        assert all(not q.curated for q in document.quotes)
        assert all(a.automatic for a in document.arguments)
        assert all(s.origin != "curated" for s in document.sources)


def test_a_drafts_markers_are_one_warning_per_file(drafted: Path) -> None:
    """Rule: by default the TODO markers of a curated file are one warning, at its first
    marker's line, saying how many are left and which fields, in well under 300
    characters, so that they do not bury the other warnings."""
    run = geobot("index", "check", str(drafted))
    assert run.returncode == 0, run.stderr
    reported = [line for line in run.stdout.splitlines() if "TODO marker" in line]
    assert len(reported) == 2  # two curated files, one summary each
    for path in sorted(drafted.glob("*.toml")):
        markers = todo_markers(path.read_text("utf-8"))
        assert len(markers) > 2
        line = next(line for line in reported if line.startswith(f"{path}:"))
        assert line.startswith(f"{path}:{markers[0].line}: warning: {len(markers)} TODO markers")
        assert "summary" in line
        assert "quotes" in line
        assert "--verbose" in line
        assert len(line) - len(str(path)) < 300


def test_verbose_index_check_lists_each_marker(drafted: Path) -> None:
    """Rule: `index check --verbose` lists every TODO marker as a warning of its own,
    with its file and line, in the text and the JSON alike."""
    run = geobot("index", "check", "--verbose", str(drafted))
    assert run.returncode == 0, run.stderr
    reported = [line for line in run.stdout.splitlines() if "TODO marker" in line]
    named = {(line.split(":")[0], int(line.split(":")[1])) for line in reported}
    assert len(reported) == len(named) == len(_marker_lines(drafted))
    assert named == _marker_lines(drafted)
    data = json.loads(geobot("index", "check", "-v", "--json", str(drafted)).stdout)
    todo = [w for w in data["warnings"] if "TODO marker" in w["message"]]
    assert {(w["file"], w["line"]) for w in todo} == _marker_lines(drafted)


def test_strict_index_check_refuses_todo_markers(drafted: Path) -> None:
    """Rule: `index check --strict` makes each TODO marker an error of its own: exit
    code 1, and every marker's file and line named, since each must be fixed."""
    run = geobot("index", "check", "--strict", str(drafted))
    assert run.returncode == 1
    assert "error: TODO marker" in run.stderr
    errors = [line for line in run.stderr.splitlines() if ": error: TODO marker" in line]
    assert {(e.split(":")[0], int(e.split(":")[1])) for e in errors} == _marker_lines(drafted)
    data = json.loads(geobot("index", "check", "--strict", "--json", str(drafted)).stdout)
    assert data["ok"] is False
    assert all(e["line"] for e in data["errors"])
    assert {(e["file"], e["line"]) for e in data["errors"]} == _marker_lines(drafted)


def test_reload_reports_one_todo_summary_per_file(drafted: Path) -> None:
    """Rule: what /reload and the shell show of the TODO markers is the summary, one line
    per curated file, not one per marker."""
    from geobot.reload import build

    report, library = build(drafted, None, "discord")
    assert library is not None
    shown = [line for line in report.lines() if "TODO marker" in line]
    assert len(shown) == 2
    assert all(line.startswith("⚠ ") and "TODO markers left" in line for line in shown)
    assert len([w for w in report.summary()["warnings"] if "TODO marker" in w]) == 2


def test_marked_fields_stay_short_for_hundreds_of_markers() -> None:
    """Rule: the summary names the document's keys, counts the entries of each table and
    the glossary's terms, and stays short however many markers a file holds."""
    lines = ["[document]", 'title = "T"  # TODO', 'summary = "S"  # TODO', "[glossary]"]
    lines += [f'term{n} = ["x"]  # TODO' for n in range(3)]
    for n in range(200):
        lines += ["[[quotes]]", f'text = "q{n}"  # TODO', 'kind = "quote"  # TODO']
    lines += ["[[arguments]]", 'id = "a"  # TODO', "# TODO: add the sources"]
    markers = todo_markers("\n".join(lines))
    assert marked_fields(markers) == (
        "title, summary, 3 glossary terms, 200 quotes, 1 argument, 1 note on the file"
    )
    many = [TodoMarker(n, f"table{n}", n, "key", "TODO") for n in range(200)]
    assert len(marked_fields(many)) <= 80
    assert marked_fields(many).endswith(", …")


def test_removing_a_marker_makes_the_value_curated(drafted: Path) -> None:
    """Rule: once its TODO is gone a value is curated: the curator's summary is served as
    written and the confirmed quote is marked curated."""
    path = drafted / f"{NOTED}.toml"
    lines = path.read_text("utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("# TODO: rewrite the summary") or line.startswith("# key sentences"):
            continue
        if line.startswith("summary = "):
            line = (
                'summary = "Mongolia lies between Russia and China. It courts other partners. '
                'Its economy rests on mining."'
            )
        out.append(line)
    first_quote_kind = next(i for i, line in enumerate(out) if line.startswith("kind = "))
    out[first_quote_kind] = out[first_quote_kind].split("  # TODO")[0]
    path.write_text("\n".join(out) + "\n", "utf-8")
    result = load_document_set(drafted)
    assert result.ok, [str(e) for e in result.errors]
    assert result.documents is not None
    document = result.documents.documents[NOTED]
    assert not document.summary_automatic
    assert document.summary
    assert document.summary.startswith("Mongolia lies between")
    assert sum(q.curated for q in document.quotes) >= 1


def test_draft_uses_the_articles_title_byline_and_notes(drafted: Path) -> None:
    """Rule: `curate draft` takes the title, date line and notes from the article, and
    its summary is LexRank's sentences, never the title glued onto the first one."""
    import tomllib

    draft = tomllib.loads((drafted / f"{NOTED}.toml").read_text("utf-8"))
    assert draft["document"]["title"] == "Mongolia: In Brief"
    assert not draft["document"]["summary"].startswith("Mongolia: In Brief")
    described = [s for s in draft["sources"] if s.get("description")]
    assert described
    assert all(s["label"] == f"note {s['note']}" for s in draft["sources"])
    assert draft["arguments"]
    assert all(a["evidence"] for a in draft["arguments"])


# -- the bundled set and the Discord renders ----------------------------------------------


def test_bundled_curated_layer_stays_curated(library: Library) -> None:
    """Rule: the bundled set's curated layer is served as curated: its summaries and
    arguments are the curator's, and it holds no TODO marker."""
    for document in library.documents:
        assert document.curated
        assert not document.summary_automatic
        assert document.arguments
        assert not any(a.automatic for a in document.arguments)
    for path in DATA.glob("*.toml"):
        assert todo_markers(path.read_text("utf-8")) == []


def test_discord_renders_label_automatic_content(corpus: dict[str, Document]) -> None:
    """Rule: in Discord too, an automatic summary and an automatic claim say so."""
    result = load_document_set(CORPUS)
    assert result.documents is not None
    library = Library(result.documents, semantic=False)
    document = library.get(NOTED)
    embed = render.summary_embed(library, document)
    assert embed.description
    assert embed.description.startswith(render.AUTOMATIC_SUMMARY)
    name, value = render.argument_field(library, document.arguments[0])
    assert name == document.arguments[0].claim
    assert value.startswith(render.AUTOMATIC_CLAIM)
    overview = render.overview_embed(library)
    assert all(f.value and f.value.startswith("(automatic) ") for f in overview.fields)


# -- parse workers -------------------------------------------------------------------------


def test_parse_workers_rank_only_the_articles_whose_digest_is_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rule: a parse worker ranks an article (LexRank) only when its loader would: the
    flag it gets is the loader's rule, and with it unset the ranker is not called."""
    ranked: list[str] = []
    real = loader.digest

    def counting(passages: Sequence[Passage], style: MarkStyle) -> Digest:
        ranked.append(passages[0].document_id)
        return real(passages, style)

    monkeypatch.setattr(loader, "digest", counting)
    text = (DATA / f"{CURATED}.txt").read_text(encoding="utf-8")
    results = loader._parse_chunk([("curated", text, False), ("uncurated", text, True)])
    assert ranked == ["uncurated"]
    assert results[0][1] is None
    assert results[1][1] is not None


def test_worker_loads_rank_what_in_process_loads_rank_and_serve_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Rule: loaded through parse workers, a fully curated article is not ranked and an
    uncurated one is, as in the loader's own process; the documents are the same."""
    folder = tmp_path / "set"
    shutil.copytree(DATA, folder)
    shutil.copy(CORPUS / f"{NOTED}.txt", folder)
    monkeypatch.setattr(loader, "PARALLEL_MIN_ARTICLES", 1)
    loader._parse_cached.cache_clear()  # the ranking cache with it
    caplog.set_level(logging.INFO, logger="geobot.documents")
    by_workers = load_document_set(folder, parse_workers=2)
    assert "worker processes in" in caplog.text, caplog.text  # not the serial fallback

    def ranked(stem: str) -> bool:
        sha256 = hashlib.sha256((folder / f"{stem}.txt").read_bytes()).hexdigest()
        return not loader._digest_cached.missing([(stem, sha256)])

    assert not ranked(CURATED)
    assert ranked(NOTED)
    loader._parse_cached.cache_clear()
    in_process = load_document_set(folder)
    assert not ranked(CURATED)
    assert by_workers.documents is not None
    assert in_process.documents is not None
    assert by_workers.documents.documents == in_process.documents.documents
