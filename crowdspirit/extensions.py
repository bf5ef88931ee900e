"""Flask extensions, created unbound and bound to an app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base whose constraints carry stable names (Alembic batch mode needs them)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Session(FlaskSession):
    """Flask-SQLAlchemy's session that, once a commit is done, runs what `database.after_commit` queued in the
    transaction (rolled back or closed: the queue is dropped)."""

    def commit(self) -> None:
        super().commit()
        while callbacks := self.info.pop("after_commit", None):
            for callback in callbacks:
                callback()

    def rollback(self) -> None:
        self.info.pop("after_commit", None)
        super().rollback()

    def close(self) -> None:
        self.info.pop("after_commit", None)
        super().close()


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
socketio = SocketIO()
