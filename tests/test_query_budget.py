"""SQL statements per page: constant in the number of items a page shows, and within a budget per page.

Each main page is requested as a visitor and as a member who belongs to projects (one of them closed and bound by an
NDA they accepted), in a world of 10 items, then of 30: ideas across three projects and stages, the member's own
ideas and votes, posts in a thread, search hits. A request is counted in a thread of its own, so that it gets a
fresh app context (session, identity map, cached user) exactly as a served request does.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import nda
from crowdspirit.search import indexer

#: the most statements each page may run, as a visitor and as the member: today's counts (SQLite and PostgreSQL
#: alike, micro-cache off), to be lowered as the pages get cheaper, never raised to let a page grow
BUDGETS = {
    # the member's personal home (issue 17): its news of every kind in one UNION ALL statement, the votes closing
    # soon and the newcomer's checklist in one each, in place of the visitor's projects and ideas
    "home": {"visitor": 3, "member": 4},
    "idea list": {"visitor": 2, "member": 2},  # issue 16's target: <= 4 signed in
    # the idea with its tags, the reader's vote and support; its history; its thread, posts and files
    "idea page": {"visitor": 5, "member": 6},
    "project page": {"visitor": 4, "member": 5},
    "search": {"visitor": 5, "member": 8},
    "thread page": {"visitor": 3, "member": 5},  # a project thread: idea threads are read under the idea
    "dashboard": {"member": 11},
}
#: the stage of the kth idea, which goes to the project k % 3 (open field, closed lab, elsewhere): from 10 items on,
#: more ideas in the vote stage than the home page shows, even to visitors (so it counts them), and every stage
STAGES = [Stage.VOTE, Stage.SPEC, Stage.VOTE, Stage.VOTE, Stage.PARTNER_RND, Stage.VOTE, Stage.VOTE, Stage.IDEA,
          Stage.VOTE]


@pytest.fixture
def world(app, make_user, make_org, make_project, add_member):
    """A member in two of three projects (the closed one with an accepted NDA), and the people who write there."""
    app.config["PER_PAGE"] = 50  # every item of the larger world on one page
    owner, member = make_user(name="Olga Owner"), make_user(name="Mia Member")
    open_field = make_project(owner, "Solar field", policy_spec="project", policy_partner_rnd="confidential")
    closed = make_project(owner, "Closed lab", policy_idea="project", policy_vote="project",
                          policy_spec="confidential", policy_partner_rnd="confidential")
    elsewhere = make_project(owner, "Elsewhere", policy_spec="community", policy_partner_rnd="project")
    for project in (open_field, closed):
        add_member(project, member)
    nda.publish(closed, owner, "What you see here stays here.")
    nda.accept(closed, member, 1)
    return {"owner": owner, "member": member, "projects": [open_field, closed, elsewhere],
            "authors": [member, owner, make_user(name="Ana Author"), make_user(name="Bo Builder")],
            "partner": make_org("Partner Labs"), "ideas": [], "threads": []}


def grow(world: dict, make_idea, items: int) -> None:
    """Add ideas (in turn in each project, a quarter by the member, who votes for most of those in the vote stage)
    and posts in the first idea's discussion (under the idea) and in the first project's thread (on the thread page)
    until the world holds this many of each; then index them for search (the
    ideas and their specifications match the search, the posts do not: the hits' kinds stay the same)."""
    while len(world["ideas"]) < items:
        k = len(world["ideas"])
        idea = make_idea(world["projects"][k % 3], world["authors"][k % 4], STAGES[k % len(STAGES)],
                         f"Solar lamp {k}", f"solar, lamp-{k % 3}", world["partner"])
        if idea.stage == Stage.VOTE and k % 4:
            pipeline.cast_vote(idea, world["member"])
        world["ideas"].append(idea)
        world["threads"] = world["threads"] or [forum.thread_of_idea(idea), forum.thread_of_project(idea.project)]
        for thread in world["threads"]:
            forum.add_post(thread, world["authors"][k % 4], f"Post {k}: agreed, let us **build** it.")
    indexer.drain()


def paths(world: dict) -> dict[str, str]:
    """The pages counted, by name."""
    return {"home": "/", "idea list": "/ideas?sort=votes", "idea page": f"/ideas/{world['ideas'][0].id}",
            "project page": f"/projects/{world['projects'][0].slug}", "search": "/search?q=solar+lamp&sort=date",
            "thread page": f"/threads/{world['threads'][1].id}", "dashboard": "/dashboard"}


def statements(app, client, path: str) -> int:
    """The SQL statements of one GET, after an unmeasured one (templates compiled, once-a-while writes done)."""
    counted = []

    def count(*_args):
        counted.append(1)

    db.session.commit()  # nothing of the test's own transaction is left open meanwhile
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(client.get, path).result().status_code == 200, path
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            status = thread.submit(client.get, path).result().status_code
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert status == 200, path
    return len(counted)


def counts(app, clients: dict, world: dict) -> dict[tuple[str, str], int]:
    """Statements per (page, visitor or member)."""
    return {(page, who): statements(app, clients[who], path) for page, path in paths(world).items()
            for who in BUDGETS[page]}


def test_statements_per_page_are_constant_and_within_budget(app, client, login_as, make_idea, world):
    """Each page runs as many statements for 30 items as for 10, and no more than its budget."""
    login_as(world["member"])
    clients = {"visitor": app.test_client(), "member": client}
    grow(world, make_idea, 10)
    small = counts(app, clients, world)
    grow(world, make_idea, 30)
    large = counts(app, clients, world)
    for (page, who), n in large.items():
        print(f"{page:<14} {who:<8} {small[(page, who)]:>3} statements with 10 items, {n:>3} with 30 "
              f"(budget {BUDGETS[page][who]})")
    assert {key: n for key, n in large.items() if n != small[key]} == {}, "statements grow with the items shown"
    assert {key: n for key, n in large.items() if n > BUDGETS[key[0]][key[1]]} == {}, "over budget"
