"""What the catalog's stored values are called on its pages, in the reader's language."""

from __future__ import annotations

from onceonly.web.i18n import current_locale
from onceonly.web.i18n import gettext as _

# Tags are words stewards type (in Chinese); the ones the catalog uses have an English
# name here. A tag without one shows as typed.
TAGS_EN: dict[str, str] = {
    "交通": "transport", "证照": "licences", "企业": "companies", "公示": "public register",
    "开放数据": "open data", "营业执照": "business licence", "市场监管": "market regulation",
    "公积金": "housing fund", "住房": "housing", "出生": "birth", "卫健": "health",
    "出生医学证明": "birth certificate", "统计": "statistics", "婚姻": "marriage",
    "民政": "civil affairs", "结婚证": "marriage certificate", "户籍": "household registration",
    "人口": "population", "身份": "identity", "户口簿": "household booklet", "教育": "education",
    "学籍": "school records", "学历": "degrees", "社保": "social insurance",
    "医保": "medical insurance", "社保卡": "social security card", "就业": "employment",
    "税务": "taxation", "收入": "income",
}  # fmt: skip


def tag_label(tag: str) -> str:
    return tag if current_locale.get() == "zh_CN" else TAGS_EN.get(tag, tag)


def tag_labels() -> dict[str, str]:
    return {} if current_locale.get() == "zh_CN" else TAGS_EN


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
        "tags": tag_labels(),
    }
