"""Domain errors that services raise and one error handler turns into 4xx responses."""


class DomainError(Exception):
    """A rule of the domain refused the request; status says which 4xx the user gets."""

    status = 400

    def __init__(self, message: str, remedy: tuple | None = None):
        super().__init__(message)
        self.message = message
        #: (url, label): where the user puts it right (resend a link, accept the charter), shown with the message
        self.remedy = remedy


class Forbidden(DomainError):
    """The user may see the object but may not do this to it (403 with an explanation)."""

    status = 403


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does (404)."""

    status = 404


class Conflict(DomainError):
    """The object's state does not allow this now, e.g. an illegal stage transition (409)."""

    status = 409
