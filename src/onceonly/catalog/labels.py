"""What the catalog's stored values are called on its pages, in the reader's language."""

from __future__ import annotations

from onceonly.web.i18n import gettext as _


def class_labels() -> dict[str, str]:
    return {
        "unconditional": _("unconditionally"),
        "conditional": _("on conditions"),
        "not_shared": _("not shared"),
        "not_open": _("not open"),
    }


def sensitivity_labels() -> dict[str, str]:
    return {
        "public": _("public"),
        "internal": _("internal"),
        "sensitive": _("sensitive"),
        "personal": _("personal"),
    }


def frequency_labels() -> dict[str, str]:
    return {
        "realtime": _("real time"),
        "daily": _("daily"),
        "weekly": _("weekly"),
        "monthly": _("monthly"),
        "quarterly": _("quarterly"),
        "yearly": _("yearly"),
        "once": _("once"),
    }


def subject_labels() -> dict[str, str]:
    return {"person": _("person"), "entity": _("legal entity"), "other": _("other")}


def type_labels() -> dict[str, str]:
    return {
        "string": _("text"),
        "integer": _("integer"),
        "number": _("number"),
        "date": _("date"),
        "datetime": _("date and time"),
        "boolean": _("yes/no"),
    }


def need_status_labels() -> dict[str, str]:
    return {
        "open": _("Awaiting answer"),
        "answered": _("Will be provided"),
        "fulfilled": _("Fulfilled"),
        "declined": _("Declined"),
    }


def all_labels() -> dict[str, dict[str, str]]:
    return {
        "classes": class_labels(),
        "sensitivity": sensitivity_labels(),
        "frequency": frequency_labels(),
        "subject": subject_labels(),
        "types": type_labels(),
        "need_status": need_status_labels(),
    }
