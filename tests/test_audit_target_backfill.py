"""Migration a7b8c9d0e1f2 gives earlier audit rows the member they were done to, where it can tell who."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from crowdspirit.extensions import db


def test_earlier_sanctions_find_their_member_by_a_unique_name_or_user_number(app, make_user):
    """A sanction naming one member gets their id; a name two members share, or nobody bears, stays unmatched;
    "user #N" targets get N."""
    mia = make_user(name="Mia Member").id
    make_user(name="Twin Name"), make_user(name="Twin Name")
    db.session.remove()
    try:
        downgrade(revision="a1f2e3d4c5b6")
        with db.engine.begin() as connection:
            for action, target in [("member.suspend", "Mia Member"), ("member.ban", "Twin Name"),
                                   ("member.warned", "Gone Member"), ("account.email_changed", f"user #{mia}"),
                                   ("post.hidden", "Mia Member")]:
                connection.execute(text("INSERT INTO audit_events (action, target, details, ip_address, created_at) "
                                        "VALUES (:action, :target, '', '', CURRENT_TIMESTAMP)"),
                                   {"action": action, "target": target})
    finally:
        upgrade()  # the PostgreSQL database is shared by the whole session: always rebuild it
    db.engine.dispose()
    with db.engine.connect() as connection:
        matched = dict(connection.execute(text("SELECT action, target_user_id FROM audit_events")).all())
    assert matched == {"member.suspend": mia, "member.ban": None, "member.warned": None,
                       "account.email_changed": mia, "post.hidden": None}
