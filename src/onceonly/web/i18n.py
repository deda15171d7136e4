"""Translations: English message ids in code and templates, zh-CN catalogs beside them.

Each domain keeps `locale/zh_CN.po`; all are read with Babel at start-up (no compile
step). The request's locale lives in a context variable that middleware sets.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

from onceonly.core.registry import domain_packages

LOCALES: dict[str, str] = {"zh_CN": "中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=1)
def catalog() -> dict[str, str]:
    """msgid → zh-CN text, merged from every domain's catalog."""
    messages: dict[str, str] = {}
    for package in domain_packages():
        try:
            po = resources.files(package).joinpath("locale/zh_CN.po")
        except ModuleNotFoundError:
            continue
        if not po.is_file():
            continue
        with po.open("rb") as handle:
            for message in read_po(handle, locale="zh_CN"):
                if message.id and message.string and isinstance(message.id, str):
                    messages[message.id] = str(message.string)
    return messages


def gettext(message: str, **variables: Any) -> str:
    text = message
    if current_locale.get() == "zh_CN":
        text = catalog().get(message, message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    return gettext(singular if n == 1 else plural, **variables)


_ = gettext


def local(thing: Any, field: str = "name") -> str:
    """A stored text in the reader's language: in English, `<field>_en` when it was
    given (data entered in Chinese only stays Chinese rather than showing nothing).
    `thing` is a row or a dict (e.g. the signed-in staff member in the session)."""
    read = thing.get if isinstance(thing, dict) else lambda name: getattr(thing, name, None)
    chinese = str(read(field) or "")
    if current_locale.get() == "zh_CN":
        return chinese
    return str(read(f"{field}_en") or "") or chinese


def _ranked(accept_language: str) -> list[str]:
    """Language tags from an Accept-Language header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The reader's explicit choice (the `lang` cookie set by /prefs); until there is
    one, the first of the browser's languages that we have; else Chinese."""
    if cookie in LOCALES:
        return cookie
    for tag in _ranked(accept_language or ""):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
