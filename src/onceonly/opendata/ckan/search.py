"""package_search: CKAN's Solr-style `q` and `fq`, sorting and facets over the public
datasets (a province publishes hundreds, not millions: an in-memory pass is enough).

Understood forms, in `fq` and in `q`: `field:value`, `field:"two words"`,
`field:(a OR b OR "c d")`, `field:pre*` (wildcards `*` and `?`), `-field:…` to exclude,
`+field:…` and `AND` as no-ops; in `q`, other words are searched in name, title,
description, organization and tags; `*:*` is everything.
"""

from __future__ import annotations

import re
from collections import Counter
from fnmatch import fnmatchcase
from functools import partial
from typing import Any

from onceonly.core.errors import Invalid
from onceonly.opendata.ckan.shapes import Published, packages

SORT_KEYS = {"name", "title", "metadata_modified", "metadata_created", "score", "num_resources"}
TERM = re.compile(r'([+-]?)([A-Za-z_][\w.]*):(\([^)]*\)|"[^"]*"|[^\s()]+)|("[^"]*"|\S+)')
TEXT_FIELDS = {"title", "notes", "text"}
FIELDS = {"name", "id", "title", "notes", "license_id", "owner_org", "organization"} | {
    "groups",
    "tags",
    "res_format",
    "text",
}


def _values(package: dict[str, Any], name: str) -> list[str]:
    simple = {
        "name": [package["name"]],
        "id": [package["id"]],
        "title": [package["title"]],
        "notes": [package["notes"] or ""],
        "license_id": [package["license_id"]],
        "owner_org": [package["owner_org"]],
        "organization": [package["organization"]["name"]],
        "groups": [g["name"] for g in package["groups"]],
        "tags": [t["name"] for t in package["tags"]],
        "res_format": sorted({r["format"] for r in package["resources"]}),
    }
    if name == "text":
        return [" ".join(v for key in ("name", "title", "notes", "tags") for v in simple[key])]
    if name not in simple:
        raise Invalid(
            f"cannot facet on {name!r}",
            errors=[{"field": "facet.field", "reason": f"unknown field {name}"}],
        )
    return simple[name]


def _alternatives(raw: str) -> list[str]:
    if raw.startswith("("):
        inner = raw[1:-1]
        parts = [p.strip().strip('"') for p in re.split(r"\s+OR\s+|\s*\|\|\s*", inner)]
        return [p for p in parts if p]
    return [raw.strip('"')]


def _matches(package: dict[str, Any], name: str, wanted: list[str]) -> bool:
    values = _values(package, name)
    if name in TEXT_FIELDS:  # tokenised fields: a pattern matches a word or a phrase
        words = [w.lower() for v in values for w in re.split(r"\W+", v) if w]
        texts = [v.lower() for v in values]
        return any(
            any(fnmatchcase(w, p.lower()) for w in words) or p.lower() in t
            for p in wanted
            for t in texts
        )
    return any(fnmatchcase(v, p) for v in values for p in wanted)


class Terms:
    """A parsed `q` or `fq`: field terms (name, alternatives, negated) and free words."""

    def __init__(self, text: str, param: str, *, free_words: bool) -> None:
        self.fields: list[tuple[str, list[str], bool]] = []
        self.words: list[str] = []
        text = text.strip()
        if text in ("", "*:*", "*"):
            return
        if text.count('"') % 2 or text.count("(") != text.count(")"):
            raise Invalid(
                f"{param} is not well formed",
                errors=[{"field": param, "reason": "unbalanced quotes or brackets"}],
            )
        for sign, key, value, word in TERM.findall(text):
            if key:
                if key not in FIELDS:
                    raise Invalid(
                        f"cannot search or filter on {key!r}",
                        errors=[{"field": param, "reason": f"unknown field {key}"}],
                    )
                self.fields.append((key, _alternatives(value), sign == "-"))
            elif word.upper() in ("AND", "+", "&&"):
                continue
            elif free_words:
                self.words.append(word.strip('"').lower())
            else:
                raise Invalid(
                    f"{param} term {word!r} is not field:value",
                    errors=[{"field": param, "reason": "expected field:value"}],
                )

    def score(self, package: dict[str, Any]) -> int:
        for key, wanted, negate in self.fields:
            if _matches(package, key, wanted) == negate:
                return 0
        if not self.words:
            return 1
        text = " ".join(
            [package["name"], package["title"], package["notes"] or ""]
            + [package["organization"]["title"]]
            + [t["name"] for t in package["tags"]]
        ).lower()
        return sum(text.count(w) for w in self.words) if all(w in text for w in self.words) else 0


def _sort_value(key: str, item: tuple[int, dict[str, Any]]) -> Any:
    return item[0] if key == "score" else (item[1].get(key) or "")


def _sort(results: list[tuple[int, dict[str, Any]]], sort: str) -> list[dict[str, Any]]:
    keys = [p.split() for p in sort.split(",") if p.strip()] or [
        ["score", "desc"],
        ["metadata_modified", "desc"],
    ]
    for words in reversed(keys):
        key = words[0]
        if key not in SORT_KEYS:
            raise Invalid(
                f"cannot sort by {key!r}",
                errors=[{"field": "sort", "reason": f"unknown field {key}"}],
            )
        desc = len(words) > 1 and words[1].lower() == "desc"
        results.sort(key=partial(_sort_value, key), reverse=desc)
    return [p for _, p in results]


def search_packages(
    published: Published,
    base: str,
    *,
    q: str,
    fq: str,
    rows: int,
    start: int,
    sort: str,
    facet_fields: list[str],
    facet_limit: int = 50,
) -> dict[str, Any]:
    query = Terms(q, "q", free_words=True)
    filters = Terms(fq, "fq", free_words=False)
    scored = []
    for package in packages(published, base):
        score = query.score(package)
        if score and filters.score(package):
            scored.append((score, package))
    ordered = _sort(scored, sort)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in facet_fields:
        counts = Counter(v for p in ordered for v in _values(p, name))
        top = dict(counts.most_common(facet_limit if facet_limit >= 0 else None))
        facets[name] = top
        search_facets[name] = {
            "title": name,
            "items": [{"name": k, "display_name": k, "count": v} for k, v in top.items()],
        }
    return {
        "count": len(ordered),
        "sort": sort or "score desc, metadata_modified desc",
        "results": ordered[start : start + rows],
        "facets": facets,
        "search_facets": search_facets,
    }
