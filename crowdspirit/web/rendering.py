"""One template, several uses: the same HTML answers a page load and an htmx request."""

from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request


def is_htmx() -> bool:
    """True when htmx sent the request for a fragment (a history restore after Back wants the page)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render the full page, or for htmx requests the fragment template the page includes."""
    template = fragment if fragment and is_htmx() else page
    return make_response(render_template(template, **context), status)


def redirect_to(url: str) -> Response:
    """Redirect after a successful form post: 303 for browsers, HX-Redirect for htmx."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def safe_next(default: str) -> str:
    """The `next` parameter when it points inside this site, else default (no open redirect)."""
    target = request.values.get("next", "")
    if (target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and "\\" not in target and target.isprintable()):
        return target
    return default


def page_number() -> int:
    """The requested page number (1 when absent or malformed)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def form_status(form) -> int:
    """422 when a submitted form has errors (htmx swaps it in place), else 200."""
    return 422 if form.errors else 200


def download(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A private, uncached file download (filename: a safe ASCII name, such as a slug and its extension)."""
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


def csv_download(text: str, filename: str) -> Response:
    """A private, uncached CSV download."""
    return download(text, "text/csv", filename)
