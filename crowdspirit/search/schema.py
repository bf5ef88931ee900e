"""The index schema: what each document holds, and how French and English text is analysed."""

import re
from functools import lru_cache

from whoosh import columns
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES = ("en", "fr")


class FrenchPluralFilter(Filter):
    """Drop the plural s/x the French Snowball stemmer keeps after a vowel ("vélos" -> "velo")."""

    def __call__(self, tokens):
        """The tokens, plural endings dropped."""
        for token in tokens:
            if len(token.text) > 3 and token.text[-1] in "sx":
                token.text = token.text[:-1]
            yield token


def _analyzer(language: str):
    """Words, lowercased, common words dropped (leaving their position empty, so phrases stay exact), stemmed,
    accents folded."""
    return (RegexTokenizer() | LowercaseFilter()
            | StopFilter(stoplist=stopwords_for_language(language) | {"les"}, renumber=False)
            | StemFilter(lang=language, cachesize=50_000) | CharsetFilter(accent_map))


#: the analysers of the two languages; queries go through the same ones
ANALYZERS = {"en": _analyzer("en"), "fr": _analyzer("fr") | FrenchPluralFilter()}
#: whole words, lowercase and accent-folded, not stemmed: what prefixes and "did you mean" work on
WORDS_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def tokens(language: str, text: str) -> list[str]:
    """The text's terms as the language's analyser indexes them."""
    return [t.text for t in ANALYZERS[language](text)]


@lru_cache(maxsize=20_000)
def fold(text: str) -> list[str]:
    """The text's whole words, lowercase and accent-folded (WORDS_ANALYZER)."""
    return [t.text for t in WORDS_ANALYZER(text)]


def positional(fieldname: str) -> str:
    """The field holding the same text as fieldname with word positions, for phrases."""
    return f"{fieldname}_pos"


def build_schema() -> Schema:
    """One flat schema for ideas, projects, specs, posts and people."""
    text_fields = {}
    for language in LANGUAGES:
        for name, boost in (("title", 2.0), ("body", 1.0)):
            # words are matched and ranked on frequencies alone, which read ten times faster than positions
            text_fields[f"{name}_{language}"] = TEXT(analyzer=ANALYZERS[language], phrase=False, field_boost=boost)
            # phrases need positions: the same text again (same analyser, boost and statistics), only for them
            text_fields[positional(f"{name}_{language}")] = TEXT(analyzer=ANALYZERS[language], field_boost=boost)
    return Schema(
        key=ID(stored=True, unique=True),  # "idea:12": kind and database id
        digest=ID(stored=True),  # fingerprint of the indexed content, for search-check
        kind=ID(sortable=columns.RefBytesColumn()),  # few distinct values: facets read them from a compact column
        access=ID(),  # the access key (policy.access_key): filtered on before ranking
        idea=ID(),  # the idea a document belongs to (idea, spec, its thread's posts): hidden while a change waits
        thread=ID(),
        project=ID(sortable=columns.RefBytesColumn()),
        stage=ID(sortable=columns.RefBytesColumn()),
        tags=KEYWORD(commas=True, lowercase=True, scorable=False),
        author=ID(),
        created=DATETIME(sortable=True),
        words=TEXT(analyzer=WORDS_ANALYZER, phrase=False),
        **text_fields,
    )


_FRENCH = frozenset(
    "le la les un une des du de et est sont pour dans avec sur pas qui que une au aux ce cette ces il elle nous vous "
    "ils son sa ses leur mais ou donc plus très tout sans être avoir fait comme même aussi".split())
_ENGLISH = frozenset(
    "the a an and is are for in with on not who that this these it its we you they his her their but or so more "
    "very all without be have has do does as also of to from by can will would".split())
_WORD = re.compile(r"\w+", re.UNICODE)


def detect_language(text: str) -> str:
    """French or English, by which language's common words the text uses more (English on a tie)."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    return "fr" if french > english else "en"
