"""The floor: a bare Flask + Flask-SQLAlchemy + Jinja page listing the 50 ideas of the visitors' list by votes.

One query (the ideas with their project and author, joined), no access rules, no session, no cache, no Babel: what
the idea list would cost if CrowdSpirit did nothing but fetch and render it. Served exactly like CrowdSpirit in the
benchmark (`gunicorn --chdir bench bare_app:app`), on the database at BENCH_DATABASE_URI. Its rows are those of a
visitor's list (non-archived ideas in a stage whose project policy is public), so both pages show the same ideas.
"""

import os
from datetime import datetime

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, case, select
from sqlalchemy.orm import DeclarativeBase, Mapped, contains_eager, mapped_column, relationship

PER_PAGE = 50
STAGES = ("idea", "vote", "spec", "partner_rnd")  # archived ideas stay out of the list

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ideas</title></head>
<body><main><h1>Ideas</h1>
<section id="idea-list">
{% for idea in ideas %}
  <article class="idea-row">
    <div class="vote-box"><strong>{{ idea.vote_count }}</strong><small>votes</small></div>
    <div class="idea-main">
      <h3><a href="{{ url_for('idea', idea_id=idea.id) }}">{{ idea.title }}</a>
        <span class="badge">{{ idea.stage }}</span></h3>
      <p>{{ idea.summary }}</p>
      <small><a href="{{ url_for('project', slug=idea.project.slug) }}">{{ idea.project.title }}</a> ·
        <a href="{{ url_for('user', user_id=idea.author_id) }}">{{ idea.author.display_name }}</a> ·
        {{ idea.created_at.strftime("%d %b %Y") }}</small>
    </div>
  </article>
{% endfor %}
</section></main></body></html>
"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str]


class Project(db.Model):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str]
    title: Mapped[str]
    policy_idea: Mapped[str]
    policy_vote: Mapped[str]
    policy_spec: Mapped[str]
    policy_partner_rnd: Mapped[str]


class Idea(db.Model):
    __tablename__ = "ideas"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str]
    summary: Mapped[str]
    stage: Mapped[str]
    vote_count: Mapped[int]
    created_at: Mapped[datetime]
    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship()


def top_ideas():
    """The select() of the page: the first PER_PAGE ideas of a visitor's list by votes, with project and author.

    The stage's policy is read with a CASE, so that SQLite walks the votes index and stops after PER_PAGE rows (an
    OR of stage conditions makes it read every idea of those stages and sort them: ten times slower on 5,000 ideas).
    """
    policy = case({stage: getattr(Project, f"policy_{stage}") for stage in STAGES}, value=Idea.stage)
    return (select(Idea).join(Idea.project).join(Idea.author).where(policy == "public")
            .options(contains_eager(Idea.project), contains_eager(Idea.author))
            .order_by(Idea.vote_count.desc(), Idea.id.desc()).limit(PER_PAGE))


def make_app(url: str) -> Flask:
    """The bare list app on the database at url."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.jinja_loader = DictLoader({"list.html": PAGE})
    db.init_app(app)

    @app.get("/ideas")
    def ideas():
        return render_template("list.html", ideas=db.session.scalars(top_ideas()).all())

    for rule, endpoint in (("/ideas/<int:idea_id>", "idea"), ("/projects/<slug>", "project"),
                           ("/users/<int:user_id>", "user")):
        app.add_url_rule(rule, endpoint, build_only=True)
    return app


if "BENCH_DATABASE_URI" in os.environ:  # under gunicorn
    app = make_app(os.environ["BENCH_DATABASE_URI"])
