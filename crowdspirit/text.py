"""Text helpers shared by every domain: slugs, safe Markdown (with task lists) and word-level diffs of rendered
text."""

import difflib
import re
import unicodedata
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.tasklists import tasklists_plugin

#: raw HTML off (nh3 cleans what remains); a task's text is the label of its checkbox
_markdown = MarkdownIt("js-default").use(tasklists_plugin, label=True)
#: what survives cleaning: nh3's safe tags, plus the task lists' labelled, disabled checkboxes and their classes
_TAGS = nh3.ALLOWED_TAGS | {"input", "label"}
_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "input": {"type", "checked", "disabled", "class"}, "ul": {"class"},
               "li": {"class"}}
_CLASSES = {"contains-task-list", "task-list-item", "task-list-item-checkbox"}


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: inputs are disabled checkboxes only, classes only the task lists' own."""
    if attribute == "class":
        return value if value in _CLASSES else None
    if tag == "input" and attribute == "type":
        return value if value == "checkbox" else None
    return value


def _clean(html_text: str) -> str:
    """HTML with no script, style or event handler surviving (links marked as users' own)."""
    return nh3.clean(html_text, tags=_TAGS, attributes=_ATTRIBUTES, attribute_filter=_keep,
                     link_rel="noopener noreferrer nofollow ugc")


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lowercase, dash-separated form of text ("Vélo du futur" -> "velo-du-futur")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def render_markdown(source: str) -> Markup:
    """Render user Markdown to HTML with no script, style or event handler surviving ("- [x]" items as ticked
    checkboxes)."""
    source = source or ""
    return Markup(_rendered(source) if len(source) <= REMEMBERED_LENGTH else _clean(_markdown.render(source)))


#: texts up to this length are rendered once while among the 2,048 most recently shown (at most about 40 MB with
#: their HTML); a longer one, rare, is rendered each time
REMEMBERED_LENGTH = 10_000


@lru_cache(maxsize=2048)
def _rendered(source: str) -> str:
    """render_markdown's HTML, made once per text while it is among the most recently shown (ideas, posts and
    specs are read far more often than written)."""
    return _clean(_markdown.render(source))


#: rendered HTML as diff tokens: a whole tag, a word, or a run of spaces
_TOKENS = re.compile(r"<[^>]*>|[^\s<]+|\s+")


def rendered_diff(old_source: str, new_source: str) -> Markup:
    """The new Markdown rendered, with the words it adds in <ins> and the words it drops in <del> at their place
    (tags are never split: a changed word is marked inside its paragraph, list item or cell)."""
    old = _TOKENS.findall(str(render_markdown(old_source)))
    new = _TOKENS.findall(str(render_markdown(new_source)))
    out = []
    for operation, a, b, c, d in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if operation == "equal":
            out += new[c:d]
            continue
        out += _marked("del", old[a:b], keep_tags=False) + _marked("ins", new[c:d], keep_tags=True)
    return Markup(_clean("".join(out)))


def _marked(mark: str, tokens: list[str], keep_tags: bool) -> list[str]:
    """The words of tokens wrapped in <mark> runs; tags kept as they are (keep_tags) or left out (dropped text)."""
    out, run = [], []
    for token in tokens + ["<>"]:
        if token.startswith("<"):
            if "".join(run).strip():
                out.append(f"<{mark}>{''.join(run)}</{mark}>")
            elif run:
                out += run
            run = []
            if keep_tags and token != "<>":
                out.append(token)
        else:
            run.append(token)
    return out


def plain_text(source: str) -> str:
    """Markdown as the words a reader sees, without markup (for snippets and quotes; a task's checkbox leaves no
    "[x]", an image no description): the text of its parsed tokens, a line per block (the words of the rendered
    HTML with its tags stripped, at half the cost: no rendering, no cleaning)."""
    lines = []
    for token in _markdown.parse(source or ""):
        if token.type == "inline":
            lines.append("".join(map(_shown_text, token.children or ())))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content)
    return "\n".join(lines).strip()


def _shown_text(token) -> str:
    """The text an inline token shows: its words, a line break, or none (markup, images, task lists' checkboxes)."""
    if token.type in ("text", "text_special", "code_inline"):
        return token.content
    return "\n" if token.type in ("softbreak", "hardbreak") else ""


def spreadsheet_safe(value) -> str:
    """A CSV cell that spreadsheets will not run as a formula (=, +, -, @ get a leading quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
