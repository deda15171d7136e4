"""No template holds text a reader sees that is not passed through the catalogue
(issue 22): every word outside `{{ _() }}` is flagged, except code samples (`<code>`,
`<pre>`) and the names of formats and units, which read the same in both languages."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "onceonly"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
CODE = re.compile(r"<(script|style|code|pre|kbd|samp)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"""\b[\w-]+=("[^"]*"|'[^']*')""")
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
WORD = re.compile(r"[A-Za-z]{2,}|[\u3400-\u9fff]+")
# Names that are the same in Chinese and English pages.
SAME_IN_BOTH = {"CSV", "JSON", "Parquet", "ms", "p50", "p95"}


def untranslated(source: str) -> list[str]:
    text = CODE.sub(" ", JINJA.sub(" ", source))
    text = ENTITY.sub(" ", ATTRIBUTE.sub(" ", TAG.sub(" ", text)))
    return [w for w in WORD.findall(text) if w not in SAME_IN_BOTH]


def test_the_checker_finds_literal_text() -> None:
    assert untranslated("<p>Apply now</p>") == ["Apply", "now"]
    assert untranslated("<p>立即办理</p>") == ["立即办理"]
    assert untranslated('<p title="x">{{ _("Apply") }} · <code>GET /api</code> CSV</p>') == []


def test_no_template_shows_untranslated_text() -> None:
    found = {
        str(path.relative_to(PACKAGE)): words
        for path in sorted(PACKAGE.glob("**/templates/**/*.html"))
        if (words := untranslated(path.read_text(encoding="utf-8")))
    }
    assert not found, f"text outside _() (wrap it, and translate it in locale/zh_CN.po): {found}"
