"""Generated input (Hypothesis) posted to every form route of the site as several kinds of user: no answer
is ever a 500, and a refused request (4xx) leaves every table exactly as it was: no partial write.

The world and the URLs come from the policy matrix (one sponsored project with an idea in every stage, a
spec, a file, an offer, a workspace, a contest), so a new form route is fuzzed as soon as it has a rule
there. Field names are those of every form class plus the few read from request.form directly; values mix
arbitrary text with the inputs that break code: huge and negative numbers, bad dates, NUL bytes, very long
text. Runs on SQLite (input handling does not depend on the database; the matrix covers both).
"""

import shutil

import pytest
from flask import g
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_policy_matrix import RULES, build_world
from wtforms.fields.core import UnboundField

from crowdspirit.database import belongs_on
from crowdspirit.extensions import db

ROLES = ["admin", "sponsor", "contributor", "outsider", "anonymous"]
#: fields that views read from request.form without a form class
RAW_FIELDS = ["action", "body", "category", "entry_id", "message", "next", "overturn", "part", "post", "rating",
              "reason", "request", "role", "text", "user_id"]
#: columns a refused request may legitimately write: a wrong password counts towards the lockout
MAY_CHANGE_WHEN_REFUSED = {("users", "failed_logins"), ("users", "locked_until")}
EDGE_VALUES = ["", " ", "0", "-1", "1", "2", "1.5", "-0.01", "99999999999999999999", "1e309", "NaN", "2030-01-01",
               "1900-13-45", "0000-00-00", "on", "true", "false", "EUR", "XXX", "public", "confidential", "vote",
               "spec", "partner_rnd", "moderator", "owner", "\x00", "a\x00b", "é" * 300, "x" * 20000,
               "<script>alert(1)</script>", "../../etc/passwd", "https://evil.example", "//evil.example"]


def form_field_names() -> list[str]:
    """Every field name declared by a form class of the app, plus the raw ones."""
    names, classes = set(RAW_FIELDS), [FlaskForm]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted(names)


def form_data():
    """A form body: some of the known field names, each with an edge value or arbitrary text."""
    value = st.one_of(st.sampled_from(EDGE_VALUES), st.text(max_size=60), st.integers().map(str))
    return st.dictionaries(st.sampled_from(form_field_names()), value, max_size=10)


@pytest.fixture
def database_url(sqlite_template, tmp_path):
    """This module runs on SQLite only (overrides the two-database fixture)."""
    path = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


#: emailed links whose refusal, when acted on, leaves a line in the platform's audit log (issue 19)
AUDITED_REFUSALS = ("/email/verify/", "/email/change/", "/password/reset/", "/team-invitations/")


def snapshot() -> dict:
    """Every row of every table, minus the columns a refusal may change."""
    tables = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if not belongs_on(table, connection.dialect.name):
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in MAY_CHANGE_WHEN_REFUSED]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


def test_generated_form_input_never_fails_nor_writes_half(app, client, login_as, make_user, make_org, make_project,
                                                          make_idea, add_member):
    """Every POST route, fed generated bodies by several roles: never a 500; a 4xx writes nothing."""
    world = build_world("community", make_user, make_org, make_project, make_idea, add_member)
    post_endpoints = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                             if "POST" in rule.methods and not rule.endpoint.startswith("api.")})

    def fuzz(url):
        """A Hypothesis run posting generated bodies to url."""

        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(role=st.sampled_from(ROLES), data=form_data(), htmx=st.booleans())
        def post_generated(role, data, htmx):
            with client.session_transaction() as session:
                session.clear()
            g.pop("_login_user", None)
            if world.users[role] is not None:
                login_as(world.users[role])
            before = snapshot()
            try:
                response = client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})
            except Exception as error:  # the test app propagates what would be a 500
                raise AssertionError(f"{role} got an exception for {data!r}: {error!r}") from error
            finally:
                db.session.rollback()
            assert response.status_code < 500, f"{role} got {response.status_code} for {data!r}"
            if 400 <= response.status_code < 500:
                changed = changed_tables(before, snapshot())
                if url.startswith(AUDITED_REFUSALS):  # the refusal's own audit line, and nothing else
                    changed = [name for name in changed if name != "audit_events"]
                assert not changed, f"{role} got {response.status_code} for {data!r}, yet {changed} changed"

        return post_generated

    failures = []
    for endpoint in post_endpoints:
        url = RULES[endpoint].requests(world)[0][1]
        login_as(world.users["admin"])
        client.post(url)  # pages create some things on first view (an idea's thread): not the fuzz's business
        try:
            fuzz(url)()
        except Exception as error:  # an assertion, or Hypothesis's report of one
            failures.append(f"POST {url} ({endpoint}): {str(error).splitlines()[0][:300]}")
    assert failures == []
