"""The moderation console: the platform's moderation log (filters, CSV), the member directory, a member's page for
moderators, and warnings that the member acknowledges (a banner on every page until then, at no statement's cost)."""

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Flag, MemberWarning
from crowdspirit.notifications.models import Notification

SECRET = "Zephyrquartz"


@pytest.fixture
def scene(make_user, make_project, make_idea):
    """A moderator, a member with posts in an open project and in a confidential one the moderator may not read,
    one of the open posts flagged and hidden, and the member suspended."""
    moderator, member, flagger = (make_user(name="Paula Moderator", moderator=True), make_user(name="Mia Member"),
                                  make_user(name="Fred Flagger"))
    open_idea = make_idea(project=make_project(title="Open field"), title="Solar lamp")
    closed_owner = make_user(name="Olga Owner")
    closed = make_project(owner=closed_owner, title="Closed lab", policy_idea="confidential",
                          policy_vote="confidential", policy_spec="confidential", policy_partner_rnd="confidential")
    secret_idea = make_idea(project=closed, author=closed_owner, title=f"{SECRET} device")
    first = forum.add_post(forum.thread_of_idea(open_idea), member, "First thoughts about the lamp")
    rude = forum.add_post(forum.thread_of_idea(open_idea), member, "You are all wrong")
    forum.add_post(forum.thread_of_idea(secret_idea), member, f"{SECRET} inside talk")
    mine = forum.add_post(forum.thread_of_idea(open_idea), flagger, "A calm reply")
    moderation.flag(rude, flagger, "Insulting")
    moderation.flag(mine, member, "Spam link")
    moderation.hide(rude, moderator, "=HYPERLINK(\"http://evil\") rude")
    moderation.sanction(member, moderator, "suspend", 3, "Repeated insults")
    return {"moderator": moderator, "member": member, "flagger": flagger, "first": first, "rude": rude,
            "closed": closed}


def test_log_lists_every_moderation_action_with_actor_target_reason(client, login_as, scene):
    """A platform moderator reads hiding (in a project) and the suspension, newest first, with who, what and why;
    a project the moderator may not see stays unnamed."""
    login_as(scene["moderator"])
    page = client.get("/moderation/log")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Member suspended" in text and "Post hidden" in text and "Repeated insults" in text
    assert text.index("Member suspended") < text.index("Post hidden")
    assert "Paula Moderator" in text and f"post #{scene['rude'].id}" in text and "Open field" in text
    assert f'href="/posts/{scene["rude"].id}"' in text


def log_rows(client, query: str) -> str:
    """The log's rows for a filter: the htmx answer (the filter form's options left out)."""
    response = client.get(f"/moderation/log?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_log_filters_by_action_name_and_dates(client, login_as, scene):
    """The filter keeps one action, a name (actor or target), a range of days; the htmx answer is the rows alone."""
    login_as(scene["moderator"])
    only_hidden = log_rows(client, "action=post.hidden")
    assert only_hidden.lstrip().startswith('<div id="log-rows">')
    assert "Post hidden" in only_hidden and "Repeated insults" not in only_hidden
    by_target = log_rows(client, "name=mia")
    assert "Member suspended" in by_target and "Post hidden" not in by_target
    by_actor = log_rows(client, "name=paula")
    assert "Member suspended" in by_actor and "Post hidden" in by_actor
    today, later = date.today(), date.today() + timedelta(days=2)
    assert "Post hidden" in log_rows(client, f"from={today}&to={today}")
    assert "No moderation action matches." in log_rows(client, f"from={later}")
    page = client.get("/moderation/log?action=post.hidden").get_data(as_text=True)
    assert '<option value="post.hidden" selected>' in page


def test_log_csv_is_filtered_and_spreadsheet_safe(client, login_as, scene):
    """The CSV holds the filtered rows; a reason starting with = is quoted so that no spreadsheet runs it."""
    login_as(scene["moderator"])
    response = client.get("/moderation/log.csv?action=post.hidden")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "time_utc", "actor", "action", "target", "details", "project", "member_id",
                       "member_now"]
    assert [row[3] for row in rows[1:]] == ["post.hidden"]
    assert rows[1][2] == "Paula Moderator" and rows[1][5].startswith("'=HYPERLINK") and rows[1][6] == "Open field"


@pytest.mark.parametrize("query", ["from=yesterday", "to=2026-13-01", "action=stage.changed"])
def test_log_refuses_bad_filters(client, login_as, scene, query):
    """A malformed date or an action that is not moderation is a 400, on the page and the CSV."""
    login_as(scene["moderator"])
    assert client.get(f"/moderation/log?{query}").status_code == 400
    assert client.get(f"/moderation/log.csv?{query}").status_code == 400


@pytest.mark.parametrize("path", ["/moderation/log", "/moderation/log.csv", "/moderation/members",
                                  "/moderation/members/{member}"])
def test_console_is_for_platform_moderators(client, login_as, make_user, scene, path):
    """Visitors sign in; members get 403 with the reason; admins and moderators get in."""
    path = path.format(member=scene["member"].id)
    assert client.get(path).status_code == 302
    login_as(make_user())
    refused = client.get(path)
    assert refused.status_code == 403 and "moderators" in refused.get_data(as_text=True)
    login_as(make_user(admin=True))
    assert client.get(path).status_code == 200


def test_directory_searches_and_filters(app, client, login_as, make_user, scene):
    """Name or email, karma range, sanctioned or not, joining dates; paged."""
    login_as(scene["moderator"])

    def names(query):
        text = client.get(f"/moderation/members?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
        return {name for name in ("Mia Member", "Fred Flagger", "Paula Moderator", "Olga Owner") if name in text}

    assert names("q=mia") == {"Mia Member"}
    assert names(f"q={scene['flagger'].email}") == {"Fred Flagger"}
    assert names("standing=sanctioned") == {"Mia Member"}
    assert "Mia Member" not in names("standing=clear") and "Fred Flagger" in names("standing=clear")
    db.session.get(type(scene["flagger"]), scene["flagger"].id).karma = 40
    db.session.commit()
    assert names("karma_min=30&karma_max=50") == {"Fred Flagger"}
    assert names(f"from={date.today() + timedelta(days=1)}") == set()
    assert "Suspended until" in client.get("/moderation/members?q=mia").get_data(as_text=True)
    app.config["PER_PAGE"] = 2
    first, second = client.get("/moderation/members").get_data(as_text=True), \
        client.get("/moderation/members?page=2").get_data(as_text=True)
    assert 'aria-current="page"' in first and first != second


@pytest.mark.parametrize("query", ["karma_min=lots", "standing=angelic", "from=01/02/2026"])
def test_directory_refuses_bad_filters(client, login_as, scene, query):
    """Malformed filters are a 400."""
    login_as(scene["moderator"])
    assert client.get(f"/moderation/members?{query}").status_code == 400


def test_member_page_shows_posts_flags_sanctions_and_karma(client, login_as, scene):
    """Posts newest first and linked (not those the moderator may not read), flags received and given, the
    suspension from the log, and the karma history."""
    login_as(scene["moderator"])
    page = client.get(f"/moderation/members/{scene['member'].id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("You are all wrong") < text.index("First thoughts about the lamp")
    assert f'href="/posts/{scene["first"].id}"' in text
    assert SECRET not in text
    assert "Insulting" in text and "by Fred Flagger" in text
    assert "Spam link" in text and "post by Fred Flagger" in text
    assert "Member suspended" in text and "Repeated insults" in text
    assert "Karma history" in text and "Forum post" in text


def test_a_renamed_member_keeps_their_sanctions_and_warnings_in_the_log(client, login_as, make_user, scene):
    """The log records the member's id: after a rename, their page still lists the sanction, the log finds them by
    their old and new names and links to their page, and the CSV names them by id and as they are called now."""
    member = make_user(name="Rob Renamer")
    login_as(scene["moderator"])
    assert client.post(f"/users/{member.id}/sanction", data={"action": "ban", "reason": "Spam ring"}).status_code < 400
    assert client.post(f"/users/{member.id}/sanction", data={"action": "lift", "reason": "Cleared"}).status_code < 400
    assert client.post(f"/moderation/members/{member.id}/warn",
                       data={"reason": "Tone", "message": "Please stay civil."}).status_code == 303
    login_as(member)
    assert client.post("/settings/profile", data={"display_name": "Nora Newname", "profile_kind": "amateur",
                                                  "skills": "", "bio": "", "language": "en"}).status_code == 303
    login_as(scene["moderator"])
    page = client.get(f"/moderation/members/{member.id}").get_data(as_text=True)
    assert "Member banned" in page and "Spam ring" in page and "Sanction lifted" in page
    for name in ("nora", "renamer"):
        rows = log_rows(client, f"name={name}")
        assert "Member banned" in rows and "Member warned" in rows and "Member suspended" not in rows, name
        assert f'href="/moderation/members/{member.id}">Rob Renamer</a>' in rows and "(now Nora Newname)" in rows
    lines = list(csv.DictReader(io.StringIO(client.get("/moderation/log.csv?name=nora").get_data(as_text=True))))
    assert {line["action"] for line in lines} == {"member.ban", "member.lift", "member.warned"}
    assert {(line["target"], line["member_id"], line["member_now"]) for line in lines} == {
        ("Rob Renamer", str(member.id), "Nora Newname")}


def test_member_page_of_unknown_member_is_404(client, login_as, scene):
    login_as(scene["moderator"])
    assert client.get("/moderation/members/99999").status_code == 404


def test_profile_links_moderators_to_the_console(client, login_as, make_user, scene):
    """A member's profile shows moderators the way to their console page, and nobody else."""
    path, link = f"/users/{scene['member'].id}", f"/moderation/members/{scene['member'].id}"
    login_as(scene["moderator"])
    assert link in client.get(path).get_data(as_text=True)
    login_as(make_user())
    assert link not in client.get(path).get_data(as_text=True)


def test_queue_links_to_the_console(client, login_as, scene):
    login_as(scene["moderator"])
    text = client.get("/moderation").get_data(as_text=True)
    assert 'href="/moderation/log"' in text and 'href="/moderation/members"' in text


def warn(client, member, reason="Tone", message="Please keep it **civil**."):
    return client.post(f"/moderation/members/{member.id}/warn", data={"reason": reason, "message": message})


def test_warning_is_recorded_told_shown_and_acknowledged(client, login_as, make_user, make_idea):
    """The member is told, sees a banner on every page that leads to the warning, cannot post until they
    acknowledge it; then the banner goes; both steps are in the log."""
    moderator, member = make_user(name="Paula Moderator", moderator=True), make_user(name="Mia Member")
    thread = forum.thread_of_idea(make_idea())
    login_as(moderator)
    response = warn(client, member)
    assert response.status_code == 303
    warning = db.session.scalar(select(MemberWarning))
    assert (warning.user_id, warning.moderator_id, warning.reason) == (member.id, moderator.id, "Tone")
    told = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
    assert told.kind == "moderation.warning"
    assert "not acknowledged yet" in client.get(f"/moderation/members/{member.id}").get_data(as_text=True)
    assert "Member warned" in log_rows(client, "action=member.warned")

    login_as(member)
    forum_page = client.get("/forum").get_data(as_text=True)
    assert "A moderator sent you a warning" in forum_page and f'href="/warnings/{warning.id}"' in forum_page
    refused = client.post(f"/threads/{thread.id}/posts", data={"body": "Hello"})
    assert refused.status_code == 403 and "warning" in refused.get_data(as_text=True)
    page = client.get(f"/warnings/{warning.id}").get_data(as_text=True)
    assert "Tone" in page and "<strong>civil</strong>" in page and "I have read it" in page
    assert client.post(f"/warnings/{warning.id}/acknowledge").status_code == 303
    assert "A moderator sent you a warning" not in client.get("/forum").get_data(as_text=True)
    assert client.post(f"/threads/{thread.id}/posts", data={"body": "Hello"}).status_code == 303
    assert client.post(f"/warnings/{warning.id}/acknowledge").status_code == 409
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["member.warned", "warning.acknowledged"]


def test_warning_is_private(client, login_as, make_user):
    """Another member gets 404; a moderator reads it but cannot acknowledge it for the member (403)."""
    moderator, member = make_user(moderator=True), make_user()
    login_as(moderator)
    warn(client, member)
    warning = db.session.scalar(select(MemberWarning))
    login_as(make_user())
    assert client.get(f"/warnings/{warning.id}").status_code == 404
    assert client.post(f"/warnings/{warning.id}/acknowledge").status_code == 404
    login_as(make_user(moderator=True))
    assert client.get(f"/warnings/{warning.id}").status_code == 200
    assert client.post(f"/warnings/{warning.id}/acknowledge").status_code == 403
    assert db.session.get(MemberWarning, warning.id).acknowledged_at is None
    assert client.get("/warnings/99999").status_code == 404


@pytest.mark.parametrize("who", ["member", "self", "admin"])
def test_who_cannot_warn_or_be_warned(client, login_as, make_user, who):
    """Members cannot warn; moderators cannot warn themselves or an admin (403); nothing is stored."""
    moderator = make_user(moderator=True)
    target = {"member": make_user(), "self": moderator, "admin": make_user(admin=True)}[who]
    login_as(make_user() if who == "member" else moderator)
    assert warn(client, target).status_code == 403
    assert db.session.scalar(select(func.count(MemberWarning.id))) == 0


@pytest.mark.parametrize("form", [{"reason": "", "message": "text"}, {"reason": "Tone", "message": "  "},
                                  {"reason": "x" * 301, "message": "text"}])
def test_incomplete_warning_is_refused(client, login_as, make_user, form):
    """A warning without its reason or message, or too long, is a 409 and nothing is stored or logged."""
    member = make_user()
    login_as(make_user(moderator=True))
    assert warn(client, member, **form).status_code == 409
    assert db.session.scalar(select(func.count(MemberWarning.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "member.warned")) == 0


def test_warning_to_unknown_member_is_404(client, login_as, make_user):
    login_as(make_user(moderator=True))
    assert client.post("/moderation/members/99999/warn", data={"reason": "r", "message": "m"}).status_code == 404


def _statements(client, path: str) -> list[str]:
    """The SQL of one GET served in a thread of its own (a fresh app context, as a served request gets)."""
    seen = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    db.session.commit()
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(client.get, path).result().status_code == 200
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            assert thread.submit(client.get, path).result().status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def test_pending_warning_costs_no_statement_of_its_own(client, login_as, make_user):
    """Whether a member has a warning to acknowledge is read inside the sign-in loader's statement: no page runs a
    statement of its own for it, with or without a pending warning."""
    member = make_user()
    login_as(member)
    about_warnings = [s for s in _statements(client, "/forum") if "member_warnings" in s]
    assert len(about_warnings) == 1 and "user_sessions" in about_warnings[0]
    db.session.add(MemberWarning(user_id=member.id, reason="Tone", message="Calm down"))
    db.session.commit()
    seen = _statements(client, "/forum")
    assert [s for s in seen if "member_warnings" in s and "user_sessions" not in s] == []


def test_flags_in_unreadable_threads_stay_out(client, login_as, make_user, make_project, make_idea):
    """Flags on posts the moderator may not read are not listed (their thread titles would leak)."""
    owner, member, flagger = make_user(), make_user(name="Mia Member"), make_user()
    closed = make_project(owner=owner, policy_idea="confidential", policy_vote="confidential",
                          policy_spec="confidential", policy_partner_rnd="confidential")
    post = forum.add_post(forum.thread_of_idea(make_idea(project=closed, author=owner, title=f"{SECRET} idea")),
                          member, "inside")
    db.session.add(Flag(post_id=post.id, user_id=flagger.id, reason="leak"))
    db.session.commit()
    login_as(make_user(moderator=True))
    text = client.get(f"/moderation/members/{member.id}").get_data(as_text=True)
    assert SECRET not in text and "leak" not in text
