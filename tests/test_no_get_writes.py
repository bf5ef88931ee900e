"""No GET request writes: every GET route of the URL map, opened by a visitor, a member, a sponsor, a moderator and
an admin, commits nothing and leaves every table's row count as it was.

The requests come from the policy matrix (its world and its rules), so a new GET route is covered as soon as the
matrix has its rule. Dated changes (contest phases) are applied by a job or on a write path, never by a page; what
pages used to create on first use (discussion threads, invitation links) comes with what it belongs to, and the
migration gave it to the rows made before.
"""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, event, func, select
from test_policy_matrix import RULES, build_world

from crowdspirit.accounts.models import User
from crowdspirit.database import belongs_on
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Thread
from crowdspirit.karma.models import InviteLink
from crowdspirit.karma.services import CODE_PATTERN
from crowdspirit.pipeline.models import Idea, Stage
from crowdspirit.rnd.models import Partnership

#: a visitor, a member of the project, the sponsor's team, a platform moderator and an admin
ROLES = ["anonymous", "contributor", "sponsor", "platform moderator", "admin"]
#: GET requests besides the matrix's: the discussion of every idea (the matrix opens one that already has a post)
EXTRA = {"forum.idea_thread": lambda w: [f"/ideas/{idea.id}/discussion" for idea in w.ideas.values()]}
#: what a thread is about: its title and owner
THREAD_OWNERS = (Thread.title, Thread.idea_id, Thread.project_id, Thread.partnership_id)


def row_counts() -> dict[str, int]:
    """Every table's number of rows, read in one statement."""
    tables = [t for t in db.metadata.sorted_tables if belongs_on(t, db.engine.dialect.name)]
    counts = db.session.execute(select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name)
                                         for t in tables))).one()
    return dict(zip((t.name for t in tables), counts, strict=True))


@pytest.fixture
def commits(app):
    """The number of transactions committed on the database so far (a list holding one counter)."""
    counter = [0]

    def count(_connection) -> None:
        """One more transaction committed."""
        counter[0] += 1

    event.listen(db.engine, "commit", count)
    yield counter
    event.remove(db.engine, "commit", count)


def get_requests(app, world) -> list[tuple[str, str]]:
    """(endpoint, url) of the matrix's GET requests, for every route of the URL map that answers GET."""
    getters = sorted({rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - {"static"})
    requests = [(endpoint, url) for endpoint in getters
                for method, url, _data in RULES[endpoint].requests(world) if method == "GET"]
    requests += [(endpoint, url) for endpoint, urls in EXTRA.items() for url in urls(world)]
    assert sorted(set(getters) - {endpoint for endpoint, _url in requests}) == []  # every GET route is opened
    return requests


def test_no_get_request_writes(app, client, login_as, commits, clock, make_user, make_org, make_project, make_idea,
                               add_member):
    """Each GET request, whoever makes it, commits no transaction and adds or removes no row anywhere, even when a
    contest's dated phase has ended (the scheduler moves it, not the pages)."""
    world = build_world("public", make_user, make_org, make_project, make_idea, add_member)
    clock.advance(days=30)  # every dated phase of the world's contest is due
    writes = []
    for role in ROLES:
        requests = get_requests(app, world)  # built before counting: some create what they open (an invitation)
        for endpoint, url in requests:
            with client.session_transaction() as session:
                session.clear()
            if world.users[role] is not None:
                login_as(world.users[role])
            before, committed = row_counts(), commits[0]
            status = client.get(url).status_code
            changed = {name: (count, after) for (name, count), after in zip(before.items(), row_counts().values(),
                                                                             strict=True) if count != after}
            if commits[0] != committed or changed:
                writes.append(f"{role} GET {url} ({endpoint}, {status}): {commits[0] - committed} commit(s), "
                              f"rows {changed}")
    assert writes == [], "\n".join(writes)


def test_discussions_are_opened_with_what_they_discuss(client, login_as, make_user, make_project, make_idea,
                                                       make_org):
    """A new project and a new idea have their discussion thread (an edited idea's thread keeps its title); a
    partnership has its workspace's thread from the acceptance on."""
    owner = login_as(make_user())
    project = make_project(owner=owner, title="Kitchen lab")
    assert forum.thread_of_project(project).title == "Kitchen lab"
    assert client.post(f"/projects/{project.slug}/ideas/new", data={
        "title": "Knife rack", "summary": "Magnetic.", "body": "", "tags": ""}).status_code == 303
    idea = db.session.scalar(select(Idea).where(Idea.title == "Knife rack"))
    thread = forum.thread_of_idea(idea)
    assert client.get(f"/ideas/{idea.id}/discussion").location.endswith(f"/ideas/{idea.id}#discussion")
    assert client.post(f"/ideas/{idea.id}/edit", data={
        "title": "Wooden knife rack", "summary": "Magnetic.", "body": "", "tags": ""}).status_code == 303
    db.session.refresh(thread)
    assert thread.title == "Wooden knife rack"
    partnered = make_idea(project=project, stage=Stage.PARTNER_RND, partner=make_org("Partner Labs"), title="Lamp")
    partnership = db.session.scalar(select(Partnership).where(Partnership.idea_id == partnered.id))
    assert forum.thread_of_partnership(partnership).title == "Lamp"


def test_the_migration_gives_existing_rows_what_pages_used_to_create(app, make_user, make_idea, make_org):
    """Members, ideas, projects and partnerships made before the revision (when pages opened their threads and
    invitation links on first use) get them from the migration."""
    idea = make_idea(stage=Stage.PARTNER_RND, partner=make_org("Partner Labs"), title="Old idea")
    make_user()
    expected = set(db.session.execute(select(*THREAD_OWNERS)).all())
    assert len(expected) == 3 and {t[0] for t in expected} == {idea.title, idea.project.title}
    users = set(db.session.scalars(select(User.id)))
    db.session.execute(delete(Thread))
    db.session.execute(delete(InviteLink))
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="385dcdfcbdd7")  # the revision before: what the pages used to create is missing
        upgrade()
    finally:
        upgrade()
        db.engine.dispose()
    assert set(db.session.execute(select(*THREAD_OWNERS)).all()) == expected
    links = db.session.execute(select(InviteLink.user_id, InviteLink.code)).all()
    assert {user_id for user_id, _code in links} == users
    assert all(CODE_PATTERN.match(code) and len(code) == 12 for _user_id, code in links)
