"""Search: relevance, query syntax, facets, and above all that nobody finds what they may not see."""

import json
import re
import subprocess
import sys
import threading
import time
from html import unescape

import nh3
import pytest
from conftest import TEST_CONFIG, without_nonces
from flask import g
from markupsafe import escape
from sqlalchemy import String, cast, delete, func, select
from whoosh import index as whoosh_index
from whoosh.fields import TEXT
from whoosh.writing import SegmentWriter

from crowdspirit import create_app
from crowdspirit.contests import services as contests
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.indexing import idea_document
from crowdspirit.pipeline.models import Idea, Stage, Tag
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.search import backends, docsets, index, indexer, maintenance
from crowdspirit.search.backends import postgres
from crowdspirit.search.backends import whoosh as whoosh_backend
from crowdspirit.search.models import SearchOutbox
from crowdspirit.search.query import parse
from crowdspirit.search.registry import SOURCES
from crowdspirit.search.schema import ANALYZERS, build_schema, positional
from crowdspirit.specs import services as specs
from crowdspirit.text import plain_text, render_markdown

MARKER = "Quixolotl"
#: (database, search backend): Whoosh on both databases, PostgreSQL full-text search on PostgreSQL
BACKENDS = [("sqlite", "whoosh"), ("postgres", "whoosh"), ("postgres", "postgres")]
#: tests of what users see run against every backend; the others are about Whoosh's index itself
both_backends = pytest.mark.parametrize(("database_url", "search_backend"), BACKENDS, indirect=True,
                                        ids=[f"{database}-{backend}" for database, backend in BACKENDS])
on_postgres_backend = pytest.mark.parametrize(("database_url", "search_backend"), [("postgres", "postgres")],
                                              indirect=True, ids=["postgres-postgres"])


@pytest.fixture(autouse=True)
def search_backend(request, app):
    """The search backend of this test (Whoosh unless parametrised), chosen before anything is indexed (the app
    chooses its backend when it starts: choose it again)."""
    app.config["SEARCH_BACKEND"] = getattr(request, "param", "whoosh")
    backends.choose(app)
    return app.config["SEARCH_BACKEND"]


@pytest.fixture
def propose(make_user, make_project):
    """Propose an idea with the given text, indexed at once."""
    default = {}

    def make(title, body="", tags="", project=None, author=None, summary="An idea."):
        if project is None:
            project = default.setdefault("project", make_project(title="Open workshop"))
        idea = pipeline.propose_idea(project, author or make_user(), title, summary, body, tags)
        indexer.drain()
        return idea

    return make


def search(client, query, **params):
    """The results page's HTML for a query (nonces blanked: two answers compare equal when their content does)."""
    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200
    return without_nonces(response.get_data(as_text=True))


def titles(html):
    """The result titles shown, in order."""
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a>', html)


# --- Relevance --------------------------------------------------------------------------------------
@both_backends
def test_english_stemming_matches_other_forms_of_a_word(client, propose):
    propose("Charging batteries faster", "The charger balances the cells while charging.")
    propose("Wooden toy train")
    assert titles(search(client, "battery charge")) == ["Charging batteries faster"]


@both_backends
def test_french_stemming_and_accents_are_ignored(client, propose):
    propose("Des vélos électriques pour la ville", "Les vélos se rechargent dans les stations de quartier.")
    propose("Une lampe de poche")
    assert titles(search(client, "velo electrique")) == ["Des vélos électriques pour la ville"]
    assert titles(search(client, "ÉLECTRIQUES")) == ["Des vélos électriques pour la ville"]


@both_backends
def test_all_words_must_match(client, propose):
    propose("Solar lantern", "A lantern for camping.")
    propose("Solar charger", "A charger for phones.")
    assert titles(search(client, "solar lantern")) == ["Solar lantern"]


@both_backends
def test_exact_phrases_and_exclusions(client, propose):
    propose("Pocket power bank", "A power bank for the pocket.")
    propose("Bank of power cells", "Cells to power a bank of lights.")
    assert titles(search(client, '"power bank"')) == ["Pocket power bank"]
    assert titles(search(client, "power -pocket")) == ["Bank of power cells"]


@both_backends
def test_an_excluded_word_leaves_out_every_document_holding_it(client, make_idea):
    make_idea(title="Power station")  # the excluded word first: Whoosh's own and-not kept the next match
    make_idea(title="Soil and power sensor")
    make_idea(title="Soil moisture probe")
    indexer.drain()  # one commit, one segment
    assert titles(search(client, "soil -power")) == ["Soil moisture probe"]
    assert "1 result" in search(client, "soil -power")


def found_every_way(client, query: str) -> list[tuple]:
    """(titles, total, suggestion) for a query on the results page (no JavaScript), in the htmx fragment (typing or
    Enter in the header box) and in the API: one entry per way."""
    page, fragment = search(client, query), client.get("/search", query_string={"q": query},
                                                       headers={"HX-Request": "true"}).get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": query}).get_json()

    def shown(html):
        """What a results page or fragment shows: titles, count, suggestion."""
        total = re.search(r"(\d+) results?", html)
        suggested = re.search(r"Did you mean.*?<em>([^<]+)</em>", html, re.S)
        return titles(html), int(total[1]) if total else 0, suggested and suggested[1]

    return [shown(page), shown(fragment), ([item["title"] for item in api["items"]], api["total"], api["suggestion"])]


@both_backends
@pytest.mark.parametrize("query, shown", [
    ("replaceable batt", ["Replaceable battery door"]),
    ("podca", ["Podcast clip button"]),
    ("batt replaceable", []),  # only the last word is open-ended
    ("replaceable batt ", []),  # a space after it closes it
])
def test_the_last_word_is_a_prefix_on_the_page_in_the_fragment_and_in_the_api(client, propose, query, shown):
    """The same query finds the same results however it is asked: while typing, after Enter, without JS, by API."""
    propose("Replaceable battery door")
    propose("Podcast clip button")
    assert found_every_way(client, query) == [(shown, len(shown), None)] * 3


@both_backends
@pytest.mark.parametrize("query, suggestion", [
    ("casque", None),  # two letters away from "case" in a six-letter word: another word, not a typo
    ("baterry charger", "battery charger"),
    ("baterry case", None),  # each word exists, but nothing holds both: a suggestion that finds nothing is none
])
def test_did_you_mean_only_when_it_helps(client, propose, query, suggestion):
    """A correction is offered only when the query finds nothing, the correction is close, and it finds something;
    the page, the fragment and the API offer the same."""
    propose("Battery charger")
    propose("Braille-friendly case")
    assert found_every_way(client, query) == [([], 0, suggestion)] * 3


@both_backends
def test_field_filters(client, propose, make_project, make_user, make_idea):
    other = make_project(title="Kitchen lab")
    author = make_user(name="Jeanne Dupont")
    propose("Lamp with a dimmer", tags="hardware")
    propose("Lamp for reading", tags="software", author=author)
    propose("Lamp in the kitchen", project=other)
    make_idea(project=other, title="Lamp on a vote", stage=Stage.VOTE)
    indexer.drain()
    assert titles(search(client, "lamp tag:hardware")) == ["Lamp with a dimmer"]
    assert titles(search(client, "lamp author:dupont")) == ["Lamp for reading"]
    assert sorted(titles(search(client, f"lamp project:{other.slug}"))) == ["Lamp in the kitchen", "Lamp on a vote"]
    assert titles(search(client, "lamp stage:vote")) == ["Lamp on a vote"]
    assert titles(search(client, "kitchen type:project")) == ["Kitchen lab"]
    assert titles(search(client, "lamp project:no-such-project")) == []
    assert sorted(titles(search(client, f"lamp -tag:hardware -project:{other.slug}"))) == ["Lamp for reading"]


@both_backends
def test_forum_posts_specs_and_people_are_found(client, propose, make_user, make_idea):
    user = make_user(name="Mireille Soudure")
    idea = make_idea(title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, idea.author, 1, "draft", problem="Speakers die with their amplifier.",
                        target_users="", features="", constraints="", target_price="")
    forum.add_post(forum.thread_of_idea(idea), user, "I could design the crossover filter.")
    indexer.drain()
    html = search(client, "crossover")
    assert "Modular speaker" in html and "<mark>crossover</mark>" in html and "Forum post" in html
    assert "Specification" in search(client, "amplifier")
    assert titles(search(client, "soudure")) == ["Mireille Soudure"]


@both_backends
def test_snippets_highlight_matches_and_escape_html(client, propose):
    propose("Safe markup", "Write <script>alert(1)</script> then the **keyword** appears.")
    html = search(client, "keyword")
    assert "<mark>keyword</mark>" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


#: Markdown of every kind a member may write: what the reader sees of each is its words, markup left out
MARKDOWN_SAMPLES = [
    "# Title\n\nSome *em*, **strong**, `code`, [a link](https://example.org) and ![an image's text](x.png).",
    "- [x] done task\n- [ ] open task\n  continued\n\n1. one\n2. two\n\n* nested\n  * deeper **bold _both_**",
    "| a | b |\n|---|---|\n| c & d | e&amp;f |\n\n> quoted\n> text\n\nSetext\n======\n\na\n\n---\n\nb",
    "```python\nprint('<b>')\n```\n\n    indented code\n\nline one  \nline two\\\nthree &copy; &#169; &nbsp;x",
    "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)> \\*not em\\* <https://a.b>",
]


@pytest.mark.parametrize("source", MARKDOWN_SAMPLES)
def test_plain_text_is_the_words_of_the_rendered_markdown(source):
    rendered_words = unescape(nh3.clean(str(render_markdown(source)), tags=set())).split()
    assert plain_text(source).split() == rendered_words


@both_backends
def test_snippets_read_as_the_page_shows_the_markdown(client, propose):
    propose("Checklist", "- [x] **solder** the `usb` port\n- [ ] test ![photo of the keyword](p.png)\n\nThe keyword.")
    html = search(client, "keyword")
    assert "solder the usb port test The <mark>keyword</mark>." in html  # no "[x]", no image description


@both_backends
def test_facets_count_by_type_stage_and_tag_and_narrow_the_results(client, propose, make_idea, make_project):
    project = make_project(title="Garden tools")
    for n in range(3):
        propose(f"Garden sensor {n}", tags="garden")
    make_idea(project=project, title="Garden robot", stage=Stage.VOTE, tags="robot")
    indexer.drain()
    html = search(client, "garden")
    assert "5 results" in html  # four ideas and the "Garden tools" project
    assert "#garden</a> <small class=\"muted\">3</small>" in html
    narrowed = search(client, "garden", tags="robot")
    assert titles(narrowed) == ["Garden robot"]


@both_backends
def test_the_project_facet_lists_the_ten_projects_with_most_results(client, make_idea, make_project):
    for n in range(11):  # the eleventh project has the fewest results
        project = make_project(title=f"Workshop {chr(ord('K') - n)}")
        for m in range(11 - n):
            make_idea(project=project, title=f"Kite design {n}-{m}")
    indexer.drain()
    facet = r'project=\d+"[^>]*>(Workshop \w)</a> <small class="muted">(\d+)</small>'
    listed = re.findall(facet, search(client, "kite"))
    assert listed == [(f"Workshop {chr(ord('K') - n)}", str(11 - n)) for n in range(10)]


@both_backends
def test_sorting_by_date_and_pagination(client, propose):
    for n in range(23):
        propose(f"Kite design {n:02d}")
    newest = titles(search(client, "kite", sort="date"))
    assert newest[:2] == ["Kite design 22", "Kite design 21"] and len(newest) == 20
    second = search(client, "kite", sort="date", page=2)
    assert titles(second) == ["Kite design 02", "Kite design 01", "Kite design 00"]
    assert "23 results" in second
    assert titles(search(client, "kite", page="abc"))  # a malformed page number is page 1


@both_backends
def test_did_you_mean_offers_a_visible_word(client, propose):
    propose("Battery charger")
    html = search(client, "baterry")
    assert "Did you mean" in html and "<em>battery</em>" in html


@both_backends
@pytest.mark.parametrize("query, message", [
    ("", "Search ideas, projects"),
    ("x" * 1000, "only its first 200 characters"),
    ('"unclosed phrase', "A quote was not closed"),
    ("lamp colour:red", "Unknown filter “colour:”"),
    ("-lamp", "Say what to look for"),
    ("the of and", "Nothing found"),
    ("tag:", "Search ideas, projects"),
    ("*** ??? (((", "Search ideas, projects"),
])
def test_odd_queries_get_a_helpful_page(client, propose, query, message):
    propose("Lamp")
    assert message in search(client, query)


@both_backends
def test_search_as_you_type_gets_the_fragment_and_the_header_box_keeps_the_query(client, propose):
    propose("Lamp")
    fragment = client.get("/search?q=lam", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="search-page">') and "<html" not in fragment
    page = search(client, "lam")
    assert 'value="lam"' in page and 'hx-trigger="input changed delay:300ms, search"' in page


# --- Nothing leaks ---------------------------------------------------------------------------------
@pytest.fixture
def secret_world(make_user, make_org, make_project, make_idea, add_member):
    """A sponsored project whose spec and R&D stages are confidential under an NDA, with the marker inside."""
    org = make_org()
    owner = make_user(name="Olga Owner", organisation=org)
    project = make_project(owner=owner, title="Helios lab", kind="sponsored", policy_spec="confidential",
                           policy_partner_rnd="confidential")
    signer, member = make_user(name="Sid Signer"), make_user(name="Mona Member")
    add_member(project, signer)
    add_member(project, member)
    nda.publish(project, owner, "Keep it to yourself.")
    nda.accept(project, signer, 1)
    idea = make_idea(project=project, author=signer, title=f"{MARKER} earbuds", stage=Stage.SPEC)
    specs.save_revision(idea, signer, 1, "draft", problem=f"The {MARKER} driver overheats.", target_users="",
                        features="", constraints="", target_price="")
    forum.add_post(forum.thread_of_idea(idea), signer, f"Our {MARKER} supplier quoted 4 EUR.")
    public = make_idea(project=project, author=signer, title="Open earbuds case")
    indexer.drain()
    return {"project": project, "idea": idea, "public": public, "signer": signer, "member": member,
            "sponsor": make_user(name="Sam Sponsor", organisation=org), "outsider": make_user(name="Otto")}


OUTSIDERS = [None, "outsider", "member"]


@both_backends
@pytest.mark.parametrize("who", OUTSIDERS)
def test_confidential_content_is_never_found_counted_suggested_or_quoted(client, login_as, secret_world, who):
    if who:
        login_as(secret_world[who])
    for query in (MARKER, MARKER.lower(), f"{MARKER} driver", "supplier quoted", f'"{MARKER} earbuds"',
                  MARKER[:5].lower(), "quixolotel", "earbuds", f"type:spec {MARKER}"):
        html = search(client, query).lower()
        region = re.sub(r"<h1>.*?</h1>", "", html.split('<div id="search-page">')[1].split("<footer")[0])
        region = re.sub(r"\?q=[^&\"]*", "", region)  # links repeat the query as typed
        assert MARKER.lower() not in region, query
        assert MARKER.lower() not in html.split('<div id="search-page">')[0].replace(escape(query).lower(), "")
    earbuds = search(client, "earbuds")
    assert titles(earbuds) == ["Open earbuds case"] and "1 result" in earbuds
    assert "Specifications" not in earbuds and "Forum posts" not in earbuds  # no facet counts the hidden ones


@both_backends
@pytest.mark.parametrize("who", ["signer", "sponsor"])
def test_those_inside_find_it(client, login_as, secret_world, who):
    login_as(secret_world[who])
    assert sorted(titles(search(client, MARKER))) == [f"{MARKER} earbuds"] * 3  # the idea, its spec, the post
    assert "Did you mean" in search(client, "quixolotel")


@both_backends
def test_a_stage_becoming_confidential_leaves_outsiders_reach_and_comes_back_when_public(
        client, login_as, secret_world):
    login_as(secret_world["outsider"])
    public, project = secret_world["public"], secret_world["project"]
    forum.add_post(forum.thread_of_idea(public), secret_world["signer"], "Thoughts on the hinge?")
    indexer.drain()
    assert "Open earbuds case" in search(client, "hinge")
    pipeline._move(public, Stage.VOTE, None, "")
    pipeline._move(public, Stage.SPEC, None, "")
    assert titles(search(client, "earbuds case")) == []  # not yet re-indexed: each hit is checked again anyway
    indexer.drain()
    assert titles(search(client, "earbuds case")) == [] and titles(search(client, "hinge")) == []
    projects.update_settings(project, project.owner, policy_spec="public")
    indexer.drain()
    assert titles(search(client, "hinge")) == ["Open earbuds case"]
    assert f"{MARKER} earbuds" in titles(search(client, MARKER))


@both_backends
def test_nothing_leaks_while_a_change_waits_for_the_indexer(client, login_as, secret_world):
    """Between a stage move and its reindexing, the moved idea is neither listed, counted, faceted nor suggested."""
    login_as(secret_world["outsider"])
    public = secret_world["public"]
    public.tags.append(Tag(name="zyrconbolt"))
    public.body = "The zyrconbolt hinge."
    db.session.commit()
    indexer.drain()
    assert titles(search(client, "zyrconbolt")) == ["Open earbuds case"]
    pipeline._move(public, Stage.VOTE, None, "")
    pipeline._move(public, Stage.SPEC, None, "")  # confidential now; the indexer has not run
    for query in ("zyrconbolt", "zyrconbolts", "earbuds", "tag:zyrconbolt"):
        html = search(client, query)
        assert "0 results" in html or "Search ideas, projects" in html, query
        assert "#zyrconbolt" not in html and "Did you mean" not in html, query


def test_a_change_indexed_just_as_a_search_starts_is_never_counted_with_its_old_key(client, login_as, secret_world,
                                                                                    monkeypatch):
    login_as(secret_world["outsider"])
    public = secret_world["public"]
    assert titles(search(client, "earbuds case")) == ["Open earbuds case"]  # the reader is open on this commit
    pipeline._move(public, Stage.VOTE, None, "")
    pipeline._move(public, Stage.SPEC, None, "")  # confidential now; the change waits in the outbox
    pending = whoosh_backend._pending_terms

    def indexed_meanwhile():
        indexer.drain()  # the indexer finishes the change just as this search reads what waits
        return pending()

    monkeypatch.setattr(whoosh_backend, "_pending_terms", indexed_meanwhile)
    html = search(client, "earbuds case")
    assert "Open earbuds case" not in html and "0 results" in html  # read the other way round, it counted 1


def test_remembered_searches_answer_as_fresh_ones_for_each_reach_page_and_order(client, login_as, secret_world,
                                                                                 propose):
    """The index generation remembers its searches' matches; each is only reused for the same query among the same
    access keys, and a page deeper than it ranked is ranked anew."""
    for n in range(23):
        propose(f"{MARKER} kite {n:02d}", author=secret_world["signer"])
    requests = [(who, page, sort) for who in ("signer", "outsider", "sponsor", "signer", "outsider")
                for page in (1, 2, 1) for sort in ("relevance", "date")]

    def answers(forget: bool) -> list[str]:
        found = []
        for who, page, sort in requests:
            login_as(secret_world[who])
            if forget:
                with index.reading() as (_searcher, cache):
                    cache.pop(whoosh_backend.RESULTS, None)
            found.append(search(client, MARKER, page=page, sort=sort))
        return found

    remembered = answers(forget=False)
    with index.reading() as (_searcher, cache):
        assert len(cache[whoosh_backend.RESULTS]) >= 4  # (reach, order) pairs, kept across the requests
    assert remembered == answers(forget=True)
    by_request = dict(zip(requests, remembered, strict=True))
    assert "26 results" in by_request["signer", 1, "relevance"] and "23 results" in by_request["outsider", 1, "date"]
    assert f"{MARKER} earbuds" in titles(by_request["signer", 2, "date"]) + titles(by_request["signer", 1, "date"])
    assert all(f"{MARKER} earbuds" not in titles(by_request["outsider", page, sort]) for page in (1, 2)
               for sort in ("relevance", "date"))
    assert len(titles(by_request["outsider", 2, "relevance"])) == 3


def test_a_rewritten_document_leaves_results_at_once_while_its_old_segment_stays(client, login_as, secret_world):
    """Per-segment facts outlive index commits; a commit that deletes from a kept segment must still hide at once."""
    login_as(secret_world["outsider"])
    public = secret_world["public"]
    assert titles(search(client, "earbuds case")) == ["Open earbuds case"]
    with index.reading() as (_searcher, cache):
        kept = set(cache[index.SEGMENTS])
    pipeline._move(public, Stage.VOTE, None, "")
    pipeline._move(public, Stage.SPEC, None, "")  # confidential now
    with index.writer_lock():  # rewrite it the indexer's way, but leaving the old segment in place (no merge)
        writer = index.open_for_writing().writer()
        whoosh_backend.apply(writer, SOURCES["idea_all"].documents(public.id))
        writer.commit(merge=False)
    db.session.execute(delete(SearchOutbox))  # nothing waits any more: only the index can hide it now
    db.session.commit()
    for query in ("earbuds case", "earbuds", "type:idea earbuds"):
        html = search(client, query)
        assert "Open earbuds case" not in html and "0 results" in html, query
    with index.reading() as (searcher, cache):
        assert len(searcher.reader().leaf_readers()) == 2 and kept <= set(cache[index.SEGMENTS])
    login_as(secret_world["signer"])
    assert titles(search(client, "earbuds case type:idea")) == ["Open earbuds case"]  # once, in its new segment


def test_after_each_commit_search_answers_as_a_freshly_opened_index(client, monkeypatch, propose, make_user,
                                                                      make_idea, clock):
    """The long-lived reader keeps live segments' readers and facts across commits; it must never differ from a
    reader that opens the index anew, whatever the commits deleted, rewrote or added (the clock stopped: "3 seconds
    ago" must not tick between the two pages compared)."""
    commit = SegmentWriter.commit
    monkeypatch.setattr(SegmentWriter, "commit", lambda self, *args, **kwargs: commit(self, merge=False))
    ideas = [propose(f"Lumen gadget {n}", "A lamp.", tags="light") for n in range(6)]
    moderator, author = make_user(moderator=True), make_user()
    posts = [forum.add_post(forum.thread_of_idea(idea), author, f"Photon notes on gadget {n}.")
             for n, idea in enumerate(ideas)]
    indexer.drain()

    def fresh(query):
        kept = dict(index._readers)
        index._readers.clear()  # a new Reader: the index opened anew, nothing reused
        try:
            return search(client, query)
        finally:
            index._readers.clear()
            index._readers.update(kept)

    changes = [lambda: pipeline.edit_idea(ideas[0], "Photon gadget zero", "A lamp.", "", "dark"),
               lambda: moderation.hide(posts[1], moderator, "spam"),
               lambda: propose("Lumen gadget six", "Another lamp.", tags="light"),
               lambda: pipeline._move(ideas[2], Stage.ARCHIVED, None, ""),
               lambda: pipeline.edit_idea(ideas[3], "Lumen gadget three, again", "A lamp.", "", "light"),
               lambda: moderation.hide(posts[4], moderator, "spam")]
    for change in changes:
        search(client, "lumen")  # the long-lived reader is open on the previous commit
        change()
        indexer.drain()
        for query in ("lumen", "photon", "gadget", "lamp tag:light", "gadget tag:dark", "lumen -photon"):
            assert search(client, query) == fresh(query), query
    with index.reading() as (searcher, _cache):
        assert len(searcher.reader().leaf_readers()) > 3  # several segments, the first ones kept throughout


def test_results_rank_as_whooshs_own_searcher_ranks_them(client, propose, monkeypatch):
    """Matching on sets of documents and scoring from the postings and length columns each segment keeps across
    searches rank exactly as Whoosh's own searcher does: on the first search, from the kept postings after it, and
    with nothing kept at all."""
    commit = SegmentWriter.commit
    monkeypatch.setattr(SegmentWriter, "commit", lambda self, *args, **kwargs: commit(self, merge=False))
    for n, (title, body) in enumerate([
            ("Solar lamp", "A lamp."), ("Solar garden lamp", "Lamps for the garden, solar powered, with a lamp hook."),
            ("Garden hose reel", "Solar? No: a reel."), ("Lamp post", "A tall lamp post with a long story " * 6),
            ("Solar charger", "Charges phones from the sun, solar solar."), ("Lampshade", "Fabric lampshades."),
            ("Solar lamp kit", "A kit: " + "parts and screws, " * 20 + "one lamp.")]):
        propose(f"{title} {n}", body)  # drained one by one: a segment each

    def whooshs_own(query: str) -> list[str]:
        with index.reading() as (searcher, _cache):
            q = whoosh_backend.build_query(parse(query), {}, searcher.schema)
            keys = [hit["key"] for hit in searcher.search(q, limit=None)]
        return [db.session.get(Idea, int(key.split(":")[1])).title for key in keys]

    queries = ("solar lamp", "lamp", "solar", "solar -garden", "lamp sol")
    expected = {query: whooshs_own(query) for query in queries}
    assert all(len(ranked) >= 2 for ranked in expected.values()), expected
    for _first_then_kept in range(2):
        assert {query: titles(search(client, query)) for query in queries} == expected
    monkeypatch.setattr(docsets.SegmentFacts, "KEPT_PER_DOCUMENT", 0)
    index._readers.clear()  # facts read anew, keeping nothing
    assert {query: titles(search(client, query)) for query in queries} == expected


def test_pages_of_many_tied_matches_across_segments_rank_as_whooshs_own(client, propose, monkeypatch):
    """A page ranks only each segment's best scores (with those tied with the last of them): page after page, the
    results still follow Whoosh's own order, ties by document number."""
    commit = SegmentWriter.commit
    monkeypatch.setattr(SegmentWriter, "commit", lambda self, *args, **kwargs: commit(self, merge=False))
    for n in range(45):
        propose(f"Quartz clock {n:02d}", "A quartz clock." + " Quartz." * (n % 3))  # three scores, many ties
    with index.reading() as (searcher, _cache):
        assert len(searcher.reader().leaf_readers()) > 3
        q = whoosh_backend.build_query(parse("quartz clock"), {}, searcher.schema)
        keys = [hit["key"] for hit in searcher.search(q, limit=None)]
    expected = [db.session.get(Idea, int(key.split(":")[1])).title for key in keys]
    shown = [title for page in (1, 2, 3) for title in titles(search(client, "quartz clock", page=page))]
    assert len(shown) == 45 and shown == expected


def test_a_refresh_that_finds_the_commit_replaced_meanwhile_reopens_the_whole_index(client, propose, monkeypatch):
    propose("Quartz clock")
    assert titles(search(client, "quartz")) == ["Quartz clock"]
    propose("Quartz watch")  # a new commit: the next search refreshes the reader
    read, calls = whoosh_index.TOC.read.__func__, []

    def replaced_once(cls, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("a writer removed it")
        return read(cls, *args, **kwargs)

    monkeypatch.setattr(whoosh_index.TOC, "read", classmethod(replaced_once))
    assert sorted(titles(search(client, "quartz"))) == ["Quartz clock", "Quartz watch"] and len(calls) > 1


def test_an_index_without_documents_yet_finds_nothing(client):
    index.swap_in(index.create_empty())  # what a reader may open between a rebuild's swap and the first commit
    html = search(client, "anything")
    assert "0 results" in html or "Nothing found" in html


def test_an_index_built_before_the_positional_fields_answers_until_rebuilt(app, client, propose):
    old = build_schema()  # the schema before words and phrases had separate fields: positions in the text fields
    for name in [name for name in old.names() if name.endswith("_pos")]:
        old.remove(name)
    for language in ANALYZERS:
        for name, boost in (("title", 2.0), ("body", 1.0)):
            old.remove(f"{name}_{language}")
            old.add(f"{name}_{language}", TEXT(analyzer=ANALYZERS[language], field_boost=boost))
    folder = index._new_folder()
    whoosh_index.create_in(str(folder), old)
    index.swap_in(folder)
    propose("Pocket power bank", "A power bank for the pocket.")  # the indexer leaves out the fields it lacks
    propose("Bank of power cells", "Cells to power a bank of lights.")
    assert positional("title_en") not in whoosh_index.open_dir(str(folder)).schema
    assert titles(search(client, '"power bank"')) == ["Pocket power bank"]
    assert sorted(titles(search(client, "power bank"))) == ["Bank of power cells", "Pocket power bank"]
    app.test_cli_runner().invoke(args=["crowdspirit", "reindex", "--processes", "1"])
    assert positional("title_en") in whoosh_index.open_dir(str(index.live_folder())).schema
    assert titles(search(client, '"power bank"')) == ["Pocket power bank"]


@both_backends
def test_a_policy_change_takes_effect_in_search_without_reindexing(client, login_as, secret_world):
    login_as(secret_world["outsider"])
    project = secret_world["project"]
    projects.update_settings(project, project.owner, policy_spec="public")
    assert f"{MARKER} earbuds" in titles(search(client, MARKER))  # no drain: keys are decided at query time
    projects.update_settings(project, project.owner, policy_spec="confidential")
    assert titles(search(client, MARKER)) == []


@both_backends
def test_hidden_and_held_posts_leave_search(client, login_as, make_user, make_idea):
    idea = make_idea(title="Folding kayak")
    author, moderator = make_user(), make_user(moderator=True)
    post = forum.add_post(forum.thread_of_idea(idea), author, "The hull uses a tarpaulin skin.")
    indexer.drain()
    assert "Folding kayak" in search(client, "tarpaulin")
    moderation.hide(post, moderator, "spam")
    indexer.drain()
    assert titles(search(client, "tarpaulin")) == []


@both_backends
def test_a_banned_member_leaves_people_search(client, make_user):
    user = make_user(name="Bertrand Banni")
    indexer.drain()
    assert titles(search(client, "bertrand")) == ["Bertrand Banni"]
    user.banned = True
    db.session.commit()
    indexer.drain()
    assert titles(search(client, "bertrand")) == []


# --- Indexing follows commits ------------------------------------------------------------------------
def test_a_rolled_back_change_never_reaches_the_outbox(app, make_project, make_user):
    project, user = make_project(), make_user()
    indexer.drain()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            db.session.add(Idea(project=project, author=user, title="Ghost", summary="", body=""))
            db.session.flush()
            raise RuntimeError("abort")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0


def test_votes_do_not_queue_reindexing(app, make_idea, make_user):
    idea, voter = make_idea(stage=Stage.VOTE), make_user()
    indexer.drain()
    pipeline.cast_vote(idea, voter)
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0


@both_backends
def test_edits_reach_the_index(client, propose, make_user):
    idea = propose("Camping stove")
    pipeline.edit_idea(idea, "Camping kettle", idea.summary, idea.body, "")
    indexer.drain()
    assert titles(search(client, "kettle")) == ["Camping kettle"] and titles(search(client, "stove")) == []


@both_backends
def test_the_indexer_thread_makes_a_new_post_searchable_soon_after_its_commit(app, client, make_user, make_idea):
    idea = make_idea(title="Solar oven")
    indexer.drain()
    stop = threading.Event()
    worker = threading.Thread(target=indexer.run_forever, args=(app, stop))
    worker.start()
    try:
        forum.add_post(forum.thread_of_idea(idea), make_user(), "Mirrors of polished aluminium.")
        committed = time.monotonic()
        while titles(search(client, "aluminium")) != ["Solar oven"]:
            assert time.monotonic() - committed < 10, "the indexer thread did not index the post"
            stop.wait(0.02)
    finally:
        stop.set()
        worker.join()
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0


# --- Commands ---------------------------------------------------------------------------------------
def test_reindex_rebuilds_beside_and_swaps(app, client, propose):
    propose("Hand-cranked radio")
    before = index.live_folder()
    result = app.test_cli_runner().invoke(args=["crowdspirit", "reindex", "--processes", "1"])
    assert result.exit_code == 0 and "Search index rebuilt: " in result.output
    assert index.live_folder() != before and titles(search(client, "radio")) == ["Hand-cranked radio"]


def test_search_check_reports_and_repairs_drift(app, client, propose):
    propose("Wind turbine kit")
    stale = propose("Tide clock")
    with index.writer_lock():  # damage the index behind the indexer's back
        writer = index.open_for_writing().writer()
        writer.delete_by_term("key", "idea:1")
        writer.add_document(**{**idea_document(stale), "digest": "0", "key": "idea:999"})
        writer.add_document(**idea_document(stale))
        writer.commit()
    runner = app.test_cli_runner()
    report = runner.invoke(args=["crowdspirit", "search-check"])
    assert report.exit_code == 1
    assert "1 missing, 0 out of date, 1 that should not be there, 1 duplicated" in report.output
    assert titles(search(client, "wind")) == []
    repaired = runner.invoke(args=["crowdspirit", "search-check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired." in repaired.output
    assert titles(search(client, "wind")) == ["Wind turbine kit"] and titles(search(client, "tide")) == ["Tide clock"]
    assert runner.invoke(args=["crowdspirit", "search-check"]).exit_code == 0


def write_behind_the_indexer(pairs) -> None:
    """Write (key, document or None) pairs straight into the backend's index, as if the outbox had been lost."""
    backend = backends.current()
    with backend.writer_lock():
        backend.write(pairs)
        db.session.commit()


@both_backends
def test_reindex_rebuilds_the_index_from_the_database(app, client, propose):
    """A rebuild puts back what the index lost and leaves out what it should not hold."""
    radio = propose("Hand-cranked radio")
    write_behind_the_indexer([(f"idea:{radio.id}", None), ("idea:999", {**idea_document(radio), "key": "idea:999"})])
    assert titles(search(client, "radio")) == []  # the idea is lost, and idea:999 points at nothing
    result = app.test_cli_runner().invoke(args=["crowdspirit", "reindex", "--processes", "1"])
    assert result.exit_code == 0 and "Search index rebuilt: " in result.output
    assert maintenance.check().keys == [] and titles(search(client, "radio")) == ["Hand-cranked radio"]


@both_backends
def test_search_check_finds_missing_stale_and_extra_documents_and_repairs_them(app, client, propose):
    """search-check compares every document the database implies with the index, whichever the backend."""
    wind, tide = propose("Wind turbine kit"), propose("Tide clock")
    write_behind_the_indexer([(f"idea:{wind.id}", None), (f"idea:{tide.id}", {**idea_document(tide), "digest": "0"}),
                              ("idea:999", {**idea_document(tide), "key": "idea:999"})])
    runner = app.test_cli_runner()
    report = runner.invoke(args=["crowdspirit", "search-check"])
    assert report.exit_code == 1 and "1 missing, 1 out of date, 1 that should not be there, 0 duplicated" in (
        report.output)
    assert titles(search(client, "wind")) == []
    repaired = runner.invoke(args=["crowdspirit", "search-check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired." in repaired.output
    assert titles(search(client, "wind")) == ["Wind turbine kit"]
    assert runner.invoke(args=["crowdspirit", "search-check"]).exit_code == 0


@on_postgres_backend
def test_a_postgresql_indexer_that_finds_the_lock_taken_waits_its_turn(app, client, make_idea):
    """Another session (another machine) holding the writer lock makes the indexer skip its turn, losing nothing."""
    make_idea(title="Bamboo bicycle frame")
    with db.engine.connect() as other:
        other.execute(select(func.pg_advisory_xact_lock(postgres.LOCK_KEY)))
        assert indexer.process_pending() == 0
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) > 0
    assert indexer.drain() > 0 and titles(search(client, "bamboo")) == ["Bamboo bicycle frame"]


@on_postgres_backend
def test_the_postgresql_backend_writes_documents_with_their_language_configuration(app, propose):
    """Stems come from the document's language, accents are folded, title words weigh more than body words."""
    propose("Des vélos électriques", "Ils se rechargent la nuit.")
    propose("Charging batteries", "Faster.")
    rows = dict(db.session.execute(select(postgres.DOCUMENTS.language, cast(postgres.DOCUMENTS.vector, String))).all())
    assert "'velos':2A" in rows["fr"] and "'electr':3A" in rows["fr"] and "'nuit':10B" in rows["fr"]
    assert "'charg':1A" in rows["en"] and "'batteri':2A" in rows["en"] and "'faster':5B" in rows["en"]


@pytest.mark.parametrize("settings, message", [
    ({"SEARCH_BACKEND": "postgres"}, "SEARCH_BACKEND=postgres searches inside a PostgreSQL database"),
    ({"SEARCH_BACKEND": "elastic"}, "SEARCH_BACKEND='elastic' is not a search backend"),
])
def test_a_search_backend_the_database_cannot_serve_stops_the_start(settings, message):
    """The PostgreSQL backend on SQLite, or an unknown backend, fails at startup with a clear message."""
    with pytest.raises(RuntimeError, match=re.escape(message)):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_an_indexer_that_finds_the_lock_taken_waits_its_turn(app, client, make_idea):
    make_idea(title="Bamboo bicycle frame")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index.root() / "writer.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert indexer.process_pending() == 0  # busy elsewhere: no error, nothing lost
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) > 0
    finally:
        holder.kill()
        holder.wait()
    assert indexer.drain() > 0 and titles(search(client, "bamboo")) == ["Bamboo bicycle frame"]


HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


# --- Several processes --------------------------------------------------------------------------------
WORKER = """
import json, sys
from flask_login import AnonymousUserMixin
from crowdspirit import create_app
from crowdspirit import create_app
from crowdspirit.extensions import db
from crowdspirit.pipeline import services as pipeline
from crowdspirit.accounts.models import User
from crowdspirit.projects.models import Project
from crowdspirit.search import indexer, services
config, role, number, project_id, author_id = json.loads(sys.argv[1])
app = create_app(config)
with app.test_request_context():
    if role == "writer":
        for n in range(12):
            idea = pipeline.propose_idea(db.session.get(Project, project_id), db.session.get(User, author_id),
                                         f"Nimbostratus {number}-{n}", "Clouds.", "", "")
            if n % 4 == 0:
                pipeline.edit_idea(idea, f"Nimbostratus {number}-{n} edited", "Clouds.", "", "")
            indexer.process_pending(limit=5)  # every writer indexes too: they take turns on the lock
    else:
        seen = [services.search(AnonymousUserMixin(), "nimbostratus").page.total for _ in range(40)]
        print(json.dumps(seen))
"""


@both_backends
def test_processes_writing_and_searching_at_once_leave_no_drift(app, client, make_project, make_user):
    project, author = make_project(title="Weather station"), make_user()
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SEARCH_INDEX_DIR", "SECRET_KEY",
                                               "SEARCH_BACKEND")}
    config["SEARCH_INDEXER"] = "off"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER,
                                 json.dumps([config, role, number, project.id, author.id])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for number, role in enumerate(["writer", "writer", "writer", "searcher", "searcher"])]
    outputs = [worker.communicate(timeout=240) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 5, [err[-2000:] for _, err in outputs]
    counts = [json.loads(out) for out, _ in outputs[3:]]
    assert all(0 <= count <= 36 for run in counts for count in run)
    indexer.drain()
    drift = maintenance.check()
    assert drift.checked > 36 and drift.keys == []
    assert "36 results" in search(client, "nimbostratus")
    assert "9 results" in search(client, "nimbostratus edited")


# --- Contest entries -----------------------------------------------------------------------------------
ENTRY_MARKER = "Glimmerwoggle"


@pytest.fixture
def contest_world(client, login_as, make_user, make_org, make_project, add_member, clock):
    """A community contest in its private phase with two entries (one withdrawn), and a contest in a members-only
    project; everything indexed."""
    from test_contests import enter, entry_of, opened

    helios = make_org("Helios Audio")
    people = {"sponsor": make_user(name="Sam Sponsor", organisation=helios), "ann": make_user(name="Ann Artist"),
              "bob": make_user(name="Bob Builder"), "outsider": make_user(name="Otto Outsider"),
              "insider": make_user(name="Ines Insider")}
    contest = opened(client, login_as, people["sponsor"])
    assert enter(client, login_as, contest, people["ann"], f"{ENTRY_MARKER} sun").status_code == 303
    assert enter(client, login_as, contest, people["bob"], f"{ENTRY_MARKER} wave").status_code == 303
    assert client.post(f"/entries/{entry_of(people['bob'], f'{ENTRY_MARKER} wave').id}/withdraw").status_code == 303
    closed = make_project(owner=people["sponsor"], kind="sponsored", title="Closed lab",
                          **{f"policy_{s}": "project" for s in ("idea", "vote", "spec", "partner_rnd")})
    add_member(closed, people["insider"])
    inside = opened(client, login_as, people["sponsor"], project_id=str(closed.id), title="A badge")
    assert enter(client, login_as, inside, people["insider"], f"{ENTRY_MARKER} badge").status_code == 303
    indexer.drain()
    return {**people, "contest": contest, "inside": inside, "sun": entry_of(people["ann"], f"{ENTRY_MARKER} sun"),
            "badge": entry_of(people["insider"], f"{ENTRY_MARKER} badge")}


def found_entries(client, login_as, who) -> list[str]:
    """The entry titles a member (None: a visitor) finds for the marker."""
    if who is None:
        g.pop("_login_user", None)
        with client.session_transaction() as session:
            session.clear()
    else:
        login_as(who)
    html = search(client, ENTRY_MARKER)
    region = re.sub(r"<h1>.*?</h1>", "", html.split('<div id="search-page">')[1].split("<footer")[0])
    region = re.sub(r"\?q=[^&\"]*", "", region)  # links repeat the query as typed
    assert (ENTRY_MARKER in region) == bool(titles(html))  # nothing counted or quoted beyond the hits
    return sorted(titles(html))


@both_backends
def test_contest_entries_are_found_by_those_who_may_see_them_in_the_current_phase(client, login_as, contest_world,
                                                                                  clock):
    """In the private phase only the sponsor's team finds the entries (never a withdrawn one); once the public phase
    begins every member who may see the contest does, visitors never; a contest in a members-only project keeps
    its entries to the project's members and the sponsor."""
    world = contest_world
    sponsor_sees = [f"{ENTRY_MARKER} badge", f"{ENTRY_MARKER} sun"]
    assert found_entries(client, login_as, world["sponsor"]) == sponsor_sees
    assert found_entries(client, login_as, world["outsider"]) == []
    assert found_entries(client, login_as, None) == []
    login_as(world["sponsor"])
    html = search(client, f"type:entry {ENTRY_MARKER} sun")
    assert f'href="/entries/{world["sun"].id}"' in html and "Contest entry" in html
    clock.advance(hours=72)
    contests.catch_up_all()  # the public phase starts by date
    assert found_entries(client, login_as, world["outsider"]) == []  # not rewritten yet: still the team's
    indexer.drain()
    assert found_entries(client, login_as, world["outsider"]) == [f"{ENTRY_MARKER} sun"]
    assert found_entries(client, login_as, world["insider"]) == sponsor_sees
    assert found_entries(client, login_as, None) == []
    assert found_entries(client, login_as, world["sponsor"]) == sponsor_sees


@both_backends
def test_a_withdrawn_entry_leaves_search_before_the_indexer_runs(client, login_as, contest_world):
    world = contest_world
    login_as(world["ann"])
    assert client.post(f"/entries/{world['sun'].id}/withdraw").status_code == 303
    assert found_entries(client, login_as, world["sponsor"]) == [f"{ENTRY_MARKER} badge"]
    indexer.drain()
    assert found_entries(client, login_as, world["sponsor"]) == [f"{ENTRY_MARKER} badge"]
