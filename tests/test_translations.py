"""Every message id in every domain's templates and code has a zh-CN translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from onceonly import DOMAINS

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "onceonly"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def domain_msgids(domain: str) -> dict[str, str]:
    """msgid → where it was found (file:line), for one domain's folder."""
    folder = PACKAGE / domain.replace(".", "/")  # a sub-package domain: services.visits
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(folder), METHODS, keywords={"_": None, "gettext": None}, options_map=OPTIONS
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"{domain}/{filename}:{lineno}")
    return found


def catalog(domain: str) -> set[str]:
    """The domain's translations, its sub-packages' (e.g. services/disputes) included."""
    found: set[str] = set()
    for po in (PACKAGE / domain.replace(".", "/")).glob("**/locale/zh_CN.po"):
        with po.open("rb") as handle:
            found |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    return found


def test_every_msgid_has_a_chinese_translation() -> None:
    missing: list[str] = []
    all_translations: set[str] = set()
    for domain in DOMAINS:
        all_translations |= catalog(domain)
    for domain in [*DOMAINS, "core"]:
        if not (PACKAGE / domain.replace(".", "/")).is_dir():
            continue
        for msgid, where in domain_msgids(domain).items():
            # A shared msgid may be translated in any domain's catalog (e.g. "Name").
            if msgid not in all_translations:
                missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (add to that domain's locale/zh_CN.po):\n" + "\n".join(
        missing
    )
