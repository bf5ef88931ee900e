"""The session cookie, checked and decoded once per value: a member sends the same cookie with every page, and
checking its signature and decoding it again (a key derivation and two HMACs, base64, zlib, tagged JSON) cost 0.1 ms
of each page."""

import copy
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from ..memo import memo


class RememberedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each cookie value's signature checked once while it is among the 4,096 most
    recently seen by this process; its age is checked on every request, as Flask does."""

    def open_session(self, app, request):
        """The session the request's cookie holds (an empty one for none, a forged or an expired one)."""
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        try:
            data, signed_at = memo("session-cookies", 4096).get(value, lambda: self._checked(app, value, max_age))
        except BadSignature:
            return self.session_class()
        if not 0 <= time.time() - signed_at <= max_age:  # what itsdangerous's max_age refuses
            return self.session_class()
        return self.session_class(copy.deepcopy(data))  # each request changes its own copy

    def _checked(self, app, value: str, max_age: float) -> tuple[dict, float]:
        """The cookie's data and when it was signed (raises BadSignature, and so is not remembered, when the
        signature is wrong or the cookie too old)."""
        data, signed_at = self.get_signing_serializer(app).loads(value, max_age=int(max_age), return_timestamp=True)
        return data, signed_at.timestamp()
