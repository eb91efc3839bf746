"""`briefgen validate` on real files: every problem, with its position, at once."""

from __future__ import annotations


def test_minimal_corpus_is_valid(minimal):
    r = minimal.run("validate")
    assert r.code == 0, r.err
    assert "1 briefs, 2 claims" in r.out


def test_unknown_key_gets_position_and_did_you_mean(minimal):
    minimal.write("2024/first-brief.yaml", (minimal.root / "briefs/2024/first-brief.yaml").read_text().replace("    credibility: 4", "    credibilty: 4"))
    r = minimal.run("validate")
    assert r.code == 1
    # one mistake, one line: not also "missing required field 'credibility'"
    assert r.lines == ["briefs/2024/first-brief.yaml:11:5: error: unknown field 'credibilty' (did you mean 'credibility'?)"]


def test_typo_in_top_level_field(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: state\nalises: [B]\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/actors/beta-state.yaml:3:1: error: unknown field 'alises' (did you mean 'aliases'?)"]


def test_enum_value_with_did_you_mean(minimal):
    minimal.write("sources/daily-news.yaml", "name: Daily News\nkind: news-outlet\nreliability: b\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/sources/daily-news.yaml:3:14: error: reliability: 'b' is not allowed; expected one of A, B, C, D, E, F (did you mean 'B'?)"]


def test_likelihood_typo(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("likelihood: likely", "likelihood: likley"))
    r = minimal.run("validate")
    assert r.code == 1
    assert len(r.lines) == 1
    assert r.lines[0].startswith("briefs/2024/first-brief.yaml:25:17: error: judgments[0].likelihood: 'likley' is not allowed")
    assert r.lines[0].endswith("(did you mean 'likely'?)")


def test_quoted_number_is_told_to_lose_its_quotes(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("credibility: 4", 'credibility: "4"').replace("credibility: 2", "credibility: '03'")
                    + "analyses:\n  - {id: an-x, analyst: daily-news, title: T, summary: S, credibility: \"6\"}\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        'briefs/2024/first-brief.yaml:11:18: error: claims[0].credibility: write 4 without quotes (a number, not the text "4")',
        # not a quoted number: no text offered as a near miss ("did you mean '3'?")
        "briefs/2024/first-brief.yaml:18:18: error: claims[1].credibility: '03' is not allowed; expected one of 1, 2, 3, 4, 5, 6",
        'briefs/2024/first-brief.yaml:30:72: error: analyses[0].credibility: write 6 without quotes (a number, not the text "6")',
    ]


def test_reduced_precision_dates_and_bad_dates(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    text = path.read_text()
    path.write_text(text.replace('published: "2024-03"', "published: 2024").replace('reported: "2024-03-05"', 'reported: "2024-13"'))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/2024/first-brief.yaml:17:15: error: claims[1].reported: '2024-13': month 13 does not exist"]
    path.write_text(text.replace('reported: "2024-03-05"', 'reported: "March 2024"'))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/2024/first-brief.yaml:17:15: error: claims[1].reported: 'March 2024' is not an ISO 8601 date: write 2023, 2023-08 or 2023-08-03"]


def test_unknown_reference_with_did_you_mean(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("source: daily-news", "source: daily-nws").replace("actors: [alpha-group]", "actors: [alpha-grp]"))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        "briefs/2024/first-brief.yaml:12:14: error: unknown actor 'alpha-grp' (did you mean 'alpha-group'?)",
        "briefs/2024/first-brief.yaml:16:13: error: unknown source 'daily-nws' (did you mean 'daily-news'?)",
    ]


def test_unknown_hypothesis_and_basis(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("{h-alpha: II, h-beta: CC}", "{h-alpa: II, h-beta: CC}").replace("basis: [news-says-beta]", "basis: [news-says-bet]"))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        "briefs/2024/first-brief.yaml:20:19: error: unknown hypothesis 'h-alpa' (did you mean 'h-alpha'?)",
        "briefs/2024/first-brief.yaml:27:13: error: unknown claim or analysis 'news-says-bet' (did you mean 'news-says-beta'?)",
    ]


def test_duplicate_ids_name_both_locations(minimal):
    minimal.write("2024/second.yaml", """
        title: Second
        published: "2024-04"
        tlp: clear
        summary: x
        claims:
          - id: alpha-claims-it
            statement: Again.
            source: daily-news
            reported: "2024"
            credibility: 6
        """)
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/2024/second.yaml:6:9: error: duplicate claim/analysis/judgment id 'alpha-claims-it': already used at briefs/2024/first-brief.yaml:6:9"]


def test_duplicate_file_ids_across_folders(minimal):
    minimal.write("2025/first-brief.yaml", 'title: T\npublished: "2025"\ntlp: clear\nsummary: s\n')
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/2025/first-brief.yaml:1:1: error: duplicate brief id 'first-brief': already used at briefs/2024/first-brief.yaml:1:1"]


def test_question_needs_two_hypotheses(minimal):
    minimal.write("questions/lonely.yaml", "question: Why?\nhypotheses:\n  - {id: h-only, statement: Because.}\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/questions/lonely.yaml:3:3: error: a question needs at least two competing hypotheses"]


def test_judgment_without_basis(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("basis: [news-says-beta]", "basis: []"))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/2024/first-brief.yaml:27:12: error: judgments[0].basis: a judgment needs at least one claim or analysis id as its basis"]


def test_bad_ids(minimal):
    minimal.write("actors/Bad_Name.yaml", "name: X\nkind: other\n")
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("id: beta-likely", "id: ../beta"))
    r = minimal.run("validate")
    assert r.code == 1
    assert "briefs/actors/Bad_Name.yaml:1:1: error: file name 'Bad_Name.yaml': the id 'Bad_Name' must be a slug of lower-case letters, digits and single hyphens, at most 80 characters" in r.lines
    assert "briefs/2024/first-brief.yaml:23:9: error: judgments[0].id: '../beta' is not a valid id: use lower-case letters, digits and single hyphens (e.g. 'al-qurashi')" in r.lines


def test_every_problem_reported_at_once(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: country\n")
    minimal.write("sources/daily-news.yaml", "name: Daily News\nkind: news-outlet\nreliability: G\n")
    minimal.write("broken.yaml", "title: [unclosed\n")
    r = minimal.run("validate")
    assert r.code == 1
    files = {l.split(":")[0] for l in r.lines}
    assert files == {"briefs/actors/beta-state.yaml", "briefs/sources/daily-news.yaml", "briefs/broken.yaml"}
    assert "3 errors" in r.err


def test_github_annotations(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: country\n")
    r = minimal.run("validate", env={"GITHUB_ACTIONS": "true"})
    assert r.code == 1
    assert r.out.startswith("::error file=briefs/actors/beta-state.yaml,line=2,col=7::kind: 'country' is not allowed")


def test_ignored_files(minimal):
    minimal.write("_notes.yaml", "not: a brief\n")
    minimal.write(".hidden.yml", "nor: this\n")
    assert minimal.run("validate").code == 0


def test_yml_extension_is_read(minimal):
    minimal.write("actors/gamma.yml", "name: Gamma\nkind: persn\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/actors/gamma.yml:2:7: error: kind: 'persn' is not allowed; expected one of person, organization, armed-group, state, government-agency, media, other (did you mean 'person'?)"]


def test_javascript_url_refused(minimal):
    minimal.write("sources/evil.yaml", "name: Evil\nkind: other\nreliability: F\nurl: javascript:alert(1)\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == ["briefs/sources/evil.yaml:4:6: error: url: 'javascript:alert(1)' is not a web address: only http:// and https:// links are allowed"]


def test_bundled_corpus_is_valid(tmp_path):
    from support import REPO, run_cli

    r = run_cli("validate", cwd=REPO)
    assert r.code == 0, r.err
    assert "2 briefs" in r.out and "2 questions" in r.out


# Links a browser would follow to a script or to another host, however the address is spelled:
# character references (named, decimal, hex, with or without `;`), a tab or a line break inside
# the scheme, upper case; as a link, an image, an automatic link. With the address the error quotes.
SCRIPT_LINKS = [
    ("[x](javascript&colon;alert&lpar;1&rpar;)", "link 'javascript&colon;alert&lpar;1&rpar;'"),
    ("[x](java&#115;cript&#58;alert(1))", "link 'java&#115;cript&#58;alert(1)'"),
    ("[x](java&#9;script:alert(1))", "link 'java&#9;script:alert(1)'"),
    ("[x](JaVa&#x53;cRiPt:alert(1))", "link 'JaVa&#x53;cRiPt:alert(1)'"),
    ("[x](&#106avascript:alert(1))", "link '&#106avascript:alert(1)'"),
    ("[x](&NewLine;javascript:alert(1))", "link '&NewLine;javascript:alert(1)'"),
    ('[x](<java&#115;cript:alert(1)> "title")', "link 'java&#115;cript:alert(1)'"),
    ("![a](java&#115;cript:alert(1))", "image 'java&#115;cript:alert(1)'"),
    ("<javascript://%0Aalert(1)>", "link 'javascript://%0Aalert(1)'"),
    ("[x](data:text/html,hi)", "link 'data:text/html,hi'"),
    ("[x](&#x2F;&#x2F;evil.example/)", "link '&#x2F;&#x2F;evil.example/'"),
    ("[x](/\\evil.example/)", "link '/\\evil.example/'"),
]


def test_script_links_are_refused_where_they_are_written(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    points = "".join(f"      - '{link}'\n" for link, _ in SCRIPT_LINKS)
    analysis = (
        "analyses:\n"
        "  - id: an-analysis\n    analyst: daily-news\n    title: A view\n"
        # what may be published: a script in code, web, mail and in-site links
        "    summary: '`[x](javascript:alert(1))`, [r](HTTPS://a.example/?a=1&amp;b=2), [m](mailto:d@a.example), <d@a.example>,"
        " <https://a.example/>, [j](#judgments), [up](../)'\n"
        f"    points:\n{points}"
    )
    path.write_text(path.read_text() + analysis)
    first = len(path.read_text().splitlines()) - len(SCRIPT_LINKS) + 1
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        f"briefs/2024/first-brief.yaml:{first + i}:9: error: analyses[0].points[{i}]: {what} is not allowed: only http, https, mailto and in-site links"
        for i, (_, what) in enumerate(SCRIPT_LINKS)
    ]


def test_script_links_are_refused_in_every_markdown_field(minimal):
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text().replace(
        "summary: The **bottom line**.\n", "summary: |\n  A reference [link][r].\n\n  [r]: java&#115;cript:alert(1)\n"))
    minimal.write("actors/beta-state.yaml", """
        name: Beta State
        kind: state
        relations:
          - {type: hostile-to, actor: alpha-group, note: "See [x](java&#115;cript:alert(2))"}
        """)
    minimal.write("sources/daily-news.yaml", """
        name: Daily News
        kind: news-outlet
        reliability: B
        reliability_note: "[x](java&#115;cript:alert(3))"
        """)
    minimal.write("questions/who-did-it.yaml", """
        question: Who did it?
        context: "![x](java&#115;cript:alert(4))"
        hypotheses:
          - {id: h-alpha, statement: Alpha did it.}
          - {id: h-beta, statement: Beta did it.}
        """)
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        "briefs/2024/first-brief.yaml:4:10: error: summary: link 'java&#115;cript:alert(1)' is not allowed: only http, https, mailto and in-site links",
        "briefs/actors/beta-state.yaml:4:50: error: relations[0].note: link 'java&#115;cript:alert(2)' is not allowed: only http, https, mailto and in-site links",
        "briefs/questions/who-did-it.yaml:2:10: error: context: image 'java&#115;cript:alert(4)' is not allowed: only http, https, mailto and in-site links",
        "briefs/sources/daily-news.yaml:4:19: error: reliability_note: link 'java&#115;cript:alert(3)' is not allowed: only http, https, mailto and in-site links",
    ]


# One character no text may hold in each kind of file, written as the escapes of double-quoted
# YAML strings (the only way to write them: YAML refuses them as they are), and as !!binary.
def test_control_characters_are_refused_with_their_position(minimal):
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text().replace("title: First brief", 'title: "First\\x00 brief"')
                     .replace("statement: The paper says Beta did it.", 'statement: "The paper\\x7f says"'))
    minimal.write("actors/beta-state.yaml", 'name: Beta State\nkind: state\naliases: ["Beta", "B\\u0085"]\n')
    minimal.write("sources/daily-news.yaml", 'name: Daily News\nkind: news-outlet\nreliability: B\ncountry: !!binary AAEC\n')
    minimal.write("questions/who-did-it.yaml", """
        question: Who did it?
        hypotheses:
          - {id: h-alpha, statement: "Alpha\\uFFFE"}
          - {id: h-beta, statement: "Beta\\tdid\\nit"}
        "bad\\x1bkey": 1
        """)
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [
        "briefs/2024/first-brief.yaml:1:8: error: title: control character U+0000 is not allowed in text (remove the escape that writes it)",
        "briefs/2024/first-brief.yaml:15:16: error: claims[1].statement: control character U+007F is not allowed in text (remove the escape that writes it)",
        "briefs/actors/beta-state.yaml:3:19: error: aliases[1]: control character U+0085 is not allowed in text (remove the escape that writes it)",
        "briefs/questions/who-did-it.yaml:3:30: error: hypotheses[0].statement: character U+FFFE is not allowed in text (remove the escape that writes it)",
        "briefs/questions/who-did-it.yaml:5:1: error: key 'bad\\x1bkey': control character U+001B is not allowed in text (remove the escape that writes it)",
        "briefs/questions/who-did-it.yaml:5:1: error: unknown field 'bad\\x1bkey'",
        "briefs/sources/daily-news.yaml:4:10: error: country: binary data (!!binary) is not text",
    ]


def test_a_markdown_field_longer_than_the_limit_is_refused(minimal):
    from generator.format.markdown import MARKDOWN_LIMIT

    brief = minimal.root / "briefs/2024/first-brief.yaml"
    long = "A sentence of a very long summary. " * (MARKDOWN_LIMIT // 35 + 1)
    brief.write_text(brief.read_text().replace("summary: The **bottom line**.", f"summary: {long.strip()}"))
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [f"briefs/2024/first-brief.yaml:4:10: error: summary: {len(long.strip()):,} characters of Markdown, over the limit of 65,536: shorten it"]
