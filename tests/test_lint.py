"""`briefgen lint`: analytic weaknesses as positioned warnings."""

from __future__ import annotations

from support import REPO, run_cli


def _brief(minimal):
    return minimal.root / "briefs/2024/first-brief.yaml"


def _edit(minimal, old, new):
    path = _brief(minimal)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_clean_corpus_has_no_warnings(minimal):
    r = minimal.run("lint")
    assert r.code == 0 and "no warnings" in r.out


def test_bundled_corpus_is_lint_clean():
    r = run_cli("lint", "--strict", cwd=REPO)
    assert r.code == 0, r.err


def test_hedging_words_and_probabilities_in_judgments(minimal):
    _edit(minimal, "statement: Beta likely did it.", "statement: Beta could have done it, a 70% chance.")
    r = minimal.run("lint")
    assert r.code == 0  # warnings do not fail without --strict
    assert r.lines == [
        "briefs/2024/first-brief.yaml:24:16: warning: judgment 'beta-likely' hedges with 'could', outside the estimative vocabulary: say it with likelihood (likely) instead",
        "briefs/2024/first-brief.yaml:24:16: warning: judgment 'beta-likely' states a probability in its text ('70%'): the likelihood field carries it",
    ]
    assert minimal.run("lint", "--strict").code == 1


def test_estimative_term_that_disagrees_with_likelihood(minimal):
    _edit(minimal, "statement: Beta likely did it.", "statement: Beta very unlikely did it.")
    r = minimal.run("lint")
    assert r.lines == ["briefs/2024/first-brief.yaml:25:17: warning: judgment 'beta-likely' says 'very unlikely' in its statement but its likelihood is 'likely'"]


def test_ach_gap(minimal):
    _edit(minimal, "{h-alpha: C, h-beta: I}", "{h-alpha: C}")
    r = minimal.run("lint")
    assert "briefs/2024/first-brief.yaml:13:5: warning: ACH gap in 'who-did-it': claim 'alpha-claims-it' does not rate h-beta (rate it, or write NA)" in r.lines


def test_circular_reporting_is_not_confirmation(minimal):
    minimal.write("sources/wire.yaml", "name: Wire\nkind: news-outlet\nreliability: B\n")
    minimal.write("2024/echo.yaml", """
        title: Echo
        published: "2024-04"
        tlp: clear
        summary: s
        claims:
          - id: echo-of-the-paper
            statement: The wire repeats the paper.
            source: wire
            via: [daily-news]
            reported: "2024-04"
            credibility: 2
            corroborates: [news-says-beta]
        """)
    _edit(minimal, "credibility: 2\n    actors: [beta-state]", "credibility: 1\n    actors: [beta-state]")
    r = minimal.run("lint")
    assert r.lines == ["briefs/2024/first-brief.yaml:18:18: warning: claim 'news-says-beta' is graded 1 (confirmed by other sources) but no claim from an independent originator corroborates it; repetition along the same reporting chain is not confirmation"]
    # an independent originator does confirm it
    (minimal.root / "briefs/2024/echo.yaml").write_text((minimal.root / "briefs/2024/echo.yaml").read_text().replace("    via: [daily-news]\n", ""))
    assert minimal.run("lint").lines == []


def test_question_without_diagnostic_evidence(minimal):
    _edit(minimal, "{h-alpha: C, h-beta: I}", "{h-alpha: C, h-beta: C}")
    _edit(minimal, "{h-alpha: II, h-beta: CC}", "{h-alpha: N, h-beta: N}")
    r = minimal.run("lint")
    assert r.lines == ["briefs/questions/who-did-it.yaml:2:1: warning: question 'who-did-it' has no diagnostic evidence: every piece rates all its hypotheses alike"]


def test_event_after_report(minimal):
    _edit(minimal, 'occurred: "2024-03"', 'occurred: "2024-04"')
    r = minimal.run("lint")
    assert r.lines == ["briefs/2024/first-brief.yaml:10:15: warning: claim 'alpha-claims-it' reports an event (2024-04) after the date it was reported (2024-03-02)"]
    # the same month at reduced precision is not a contradiction
    _edit(minimal, 'occurred: "2024-04"', 'occurred: "2024-03"')
    assert minimal.run("lint").lines == []
