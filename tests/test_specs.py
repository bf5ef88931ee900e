"""Specifications: the first revision at promotion, editing, conflicts, revisions and diffs."""

import pytest
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.projects.models import ProjectMembership
from crowdspirit.specs.models import SpecRevision

SECTIONS = {"problem": "Earbuds block the street noise", "target_users": "Urban cyclists",
            "features": "Bone conduction\nTen hours of battery", "constraints": "Under 30 g",
            "target_price": "49 EUR"}


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def revisions(idea) -> list[tuple[int, int]]:
    """The stored revisions of the idea's spec as (number, author id), oldest first."""
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        select(SpecRevision.number, SpecRevision.author_id)
        .where(SpecRevision.idea_id == idea.id).order_by(SpecRevision.number))]


def save(client, idea, base_number=1, note="First pass", **changes):
    """Post the spec form as a browser would."""
    data = {**SECTIONS, **changes, "note": note, "base_number": base_number}
    return client.post(f"/ideas/{idea.id}/spec/edit", data=data)


@pytest.fixture
def member(make_user, make_idea, login_as):
    """A signed-in project moderator (one of the spec's editors) of an idea in the spec stage (member.idea)."""
    idea = make_idea(stage="spec")
    user = login_as(make_user(name="Mia Member"))
    db.session.add(ProjectMembership(project=idea.project, user=user, role="moderator"))
    db.session.commit()
    user.idea = idea
    return user


def test_promotion_creates_revision_one(client, login_as, make_project, make_idea):
    """Promoting an idea opens its spec at revision 1, drawn from the idea's text."""
    project = make_project(promotion_decider="moderator")
    idea = make_idea(project=project, stage="vote")
    assert revisions(idea) == []
    login_as(project.owner)
    assert client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "Go"}).status_code == 303
    assert revisions(idea) == [(1, idea.author_id)]
    page = html(client.get(f"/ideas/{idea.id}/spec"))
    assert "Revision 1" in page and "Details <strong>here</strong>." in page


def test_member_edit_creates_revision_two(client, member):
    """A member's save becomes revision 2 with the text stored and shown."""
    idea = member.idea
    response = save(client, idea)
    assert response.status_code == 303 and response.location.endswith(f"/ideas/{idea.id}/spec")
    assert revisions(idea) == [(1, idea.author_id), (2, member.id)]
    stored = db.session.scalar(select(SpecRevision).where(SpecRevision.idea_id == idea.id,
                                                          SpecRevision.number == 2))
    assert {name: stored.section(name) for name in SECTIONS} == SECTIONS
    assert stored.note == "First pass"
    page = html(client.get(f"/ideas/{idea.id}/spec"))
    assert "Revision 2" in page and "Urban cyclists" in page and "49 EUR" in page


def test_stale_base_number_is_refused_with_a_merge_view(client, login_as, make_user, member, add_member):
    """Saving over a revision someone saved meanwhile shows their changes beside the kept text; saving again works."""
    idea = member.idea
    assert save(client, idea).status_code == 303
    other = login_as(make_user())
    add_member(idea.project, other, "moderator")
    response = save(client, idea, base_number=1, problem="My stale version")
    page = html(response)
    assert response.status_code == 409
    assert "Someone saved revision 2 while you were editing" in page
    assert "What Mia Member saved meanwhile (revision 2)" in page and "<ins>+ Urban cyclists</ins>" in page
    assert 'name="problem"' in page and "My stale version" in page  # the form keeps the user's text
    assert 'name="base_number" type="hidden" value="2"' in page
    assert revisions(idea) == [(1, idea.author_id), (2, member.id)]
    assert save(client, idea, base_number=2, problem="My merged version").status_code == 303
    assert revisions(idea)[-1] == (3, other.id)


@pytest.fixture
def sponsored_spec(make_user, make_org, make_project, make_idea):
    """An idea in the spec stage of a project sponsored by Helios."""
    helios = make_org("Helios Audio")
    project = make_project(owner=make_user(organisation=helios), kind="sponsored")
    return make_idea(project=project, stage="spec")


@pytest.mark.parametrize("who, status", [
    ("owner", 303), ("author", 303), ("contributor", 403), ("project moderator", 303),
    ("sponsor team", 303), ("platform moderator", 403), ("admin", 303), ("outsider", 403),
])
def test_who_may_edit_the_spec(client, login_as, make_user, sponsored_spec, who, status):
    """The author, the project's managers and the sponsor's team edit; contributors propose amendments instead."""
    idea, project = sponsored_spec, sponsored_spec.project
    users = {
        "owner": lambda: project.owner, "author": lambda: idea.author,
        "sponsor team": lambda: make_user(organisation=project.organisation),
        "platform moderator": lambda: make_user(moderator=True),
        "admin": lambda: make_user(admin=True), "outsider": make_user,
    }
    user = users.get(who, make_user)()
    if who in ("contributor", "project moderator"):
        db.session.add(ProjectMembership(project=project, user=user, role=who.split()[-1]))
        db.session.commit()
    login_as(user)
    assert client.get(f"/ideas/{idea.id}/spec/edit").status_code == (200 if status == 303 else 403)
    response = save(client, idea)
    assert response.status_code == status
    assert len(revisions(idea)) == (2 if status == 303 else 1)


def test_outsider_refused_until_joining_then_proposes_amendments(client, login_as, make_user, make_idea, add_member):
    """A non-member may neither edit nor amend (with a hint to join); a contributor amends but does not edit."""
    idea = make_idea(stage="spec")
    outsider = login_as(make_user())
    response = save(client, idea)
    assert response.status_code == 403 and "propose an amendment instead" in html(response)
    refused = client.get(f"/ideas/{idea.id}/spec/amendments/new")
    assert refused.status_code == 403 and "join the project first" in html(refused)
    add_member(idea.project, outsider)
    assert save(client, idea).status_code == 403
    assert client.get(f"/ideas/{idea.id}/spec/amendments/new").status_code == 200
    assert len(revisions(idea)) == 1


def test_anonymous_edit_goes_to_sign_in(client, make_idea):
    """A visitor who opens the editor is sent to sign in; nothing is written."""
    idea = make_idea(stage="spec")
    response = save(client, idea)
    assert response.status_code in (302, 303) and "/login" in response.location
    assert len(revisions(idea)) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_in_partner_rnd_is_409(client, login_as, make_idea, method):
    """Once in partner R&D the spec is frozen: the editor answers 409 and nothing is written."""
    idea = make_idea(stage="partner_rnd")
    login_as(idea.project.owner)
    response = getattr(client, method)(f"/ideas/{idea.id}/spec/edit",
                                       data={**SECTIONS, "base_number": 1})
    assert response.status_code == 409
    assert "only be edited while the idea is in the spec stage" in html(response)
    assert len(revisions(idea)) == 1


@pytest.mark.parametrize("stage", ["idea", "vote", "archived"])
@pytest.mark.parametrize("path", ["spec", "spec/edit", "spec/revisions", "spec/diff?from=1&to=1"])
def test_spec_of_unpromoted_idea_is_404(client, login_as, make_idea, stage, path):
    """An idea that never reached the spec stage has no spec pages: 404 with a message."""
    idea = make_idea(stage=stage)
    login_as(idea.project.owner)
    response = client.get(f"/ideas/{idea.id}/{path}")
    assert response.status_code == 404
    assert "no specification yet" in html(response)


@pytest.fixture
def two_revisions(client, member):
    """The member's idea with revision 2 rewriting the problem and adding target users."""
    idea = member.idea
    assert save(client, idea, problem="Earbuds block the street noise").status_code == 303
    return idea


def test_older_revision_view(client, two_revisions):
    """?revision=1 shows the first text and says it is an older revision."""
    idea = two_revisions
    page = html(client.get(f"/ideas/{idea.id}/spec?revision=1"))
    assert "Details <strong>here</strong>." in page and "Urban cyclists" not in page
    assert "older revision" in page
    current = html(client.get(f"/ideas/{idea.id}/spec"))
    assert "Urban cyclists" in current and "older revision" not in current


def test_revision_history_lists_both(client, two_revisions):
    """The history page lists every revision with its note."""
    page = html(client.get(f"/ideas/{two_revisions.id}/spec/revisions"))
    assert "#1" in page and "#2" in page and "First pass" in page


def test_diff_marks_added_and_removed_lines(client, two_revisions):
    """The raw view shows the Markdown's removed lines in <del> and added ones in <ins>."""
    page = html(client.get(f"/ideas/{two_revisions.id}/spec/diff?from=1&to=2&view=raw"))
    assert "<del>- Details **here**.</del>" in page
    assert "<ins>+ Earbuds block the street noise</ins>" in page
    assert "<ins>+ Urban cyclists</ins>" in page


def test_diff_reads_as_the_rendered_text_with_changed_words_marked(client, member):
    """By default the diff is the new text as it reads (bold, lists, ticked tasks), with the words added underlined
    in <ins> and the words removed struck in <del> at their place; the raw view is one link away."""
    idea = member.idea
    assert save(client, idea, problem="The lamp is **solar** and small.\n\n- [ ] battery").status_code == 303
    assert save(client, idea, base_number=2, problem="The lamp is **wind** powered and small.\n\n- [x] battery\n"
                "- [ ] case").status_code == 303
    page = html(client.get(f"/ideas/{idea.id}/spec/diff?from=2&to=3"))
    assert "<strong><del>solar</del><ins>wind</ins></strong><ins> powered</ins> and small." in page
    assert 'checked="checked" disabled="disabled" type="checkbox"> battery' in page
    assert "<ins> case</ins>" in page and "**" not in page.split("rendered-diff", 1)[1]
    assert f"/ideas/{idea.id}/spec/diff?view=raw&amp;from=2&amp;to=3" in page


@pytest.mark.parametrize("query", ["spec?revision=7", "spec/diff?from=1&to=7",
                                   "spec/diff?from=7&to=1"])
def test_unknown_revision_is_404(client, two_revisions, query):
    """Asking for a revision that does not exist is a 404."""
    response = client.get(f"/ideas/{two_revisions.id}/{query}")
    assert response.status_code == 404
    assert "This revision does not exist." in html(response)


def test_markdown_in_sections_is_sanitised(client, member):
    """Markdown renders, but scripts, event handlers and javascript: links do not survive."""
    idea = member.idea
    hostile = ('**bold** <script>alert("x")</script>\n\n<img src=x onerror="alert(1)">\n\n'
               "[click](javascript:alert(1))")
    assert save(client, idea, problem=hostile, note='<b onmouseover="x()">n</b>').status_code == 303
    for url in (f"/ideas/{idea.id}/spec", f"/ideas/{idea.id}/spec/diff?from=1&to=2",
                f"/ideas/{idea.id}/spec/revisions"):
        page = html(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert 'href="javascript:' not in page and "<b onmouseover" not in page, url
    assert "<strong>bold</strong>" in html(client.get(f"/ideas/{idea.id}/spec"))

