"""Text helpers shared by every domain: slugs and safe Markdown."""

import html
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("js-default")  # raw HTML off; nh3 cleans what remains


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lowercase, dash-separated form of text ("Vélo du futur" -> "velo-du-futur")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def render_markdown(source: str) -> Markup:
    """Render user Markdown to HTML with no script, style or event handler surviving."""
    html = _markdown.render(source or "")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow ugc"))


def plain_text(source: str) -> str:
    """Markdown as the words a reader sees, without markup (for snippets)."""
    return html.unescape(nh3.clean(str(render_markdown(source)), tags=set())).strip()


def spreadsheet_safe(value) -> str:
    """A CSV cell that spreadsheets will not run as a formula (=, +, -, @ get a leading quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
