"""Demo catalog, once-only reach (issue 18): the registers that let a department supply
what citizens were asked for — the ID card photo, the social security card's bank
account, the employer's maternity-leave filing, death certificates, and the real-estate
register (by owner: a person, or a company for its premises)."""

from __future__ import annotations

from typing import Any

from onceonly.catalog.demo_labels import fields as _fields
from onceonly.catalog.demo_labels import sql as _sql

P, S, I, U = "personal", "sensitive", "internal", "public"  # noqa: E741 — sensitivity shorthands


PROPERTY_FIELDS = (
    ("cert_no", "string", P, "不动产权证书号"),
    ("owner_name", "string", P, "权利人名称"),
    ("division_code", "string", I, "坐落行政区划"),
    ("address", "string", P, "坐落"),
    ("usage", "string", P, "用途"),
    ("area_dm2", "integer", P, "面积（平方分米）"),
    ("registered_on", "date", P, "登簿日期"),
    ("status", "string", P, "权属状态"),
)

RESOURCES: list[tuple[str, dict[str, Any]]] = [
    ("ps", {
        "code": "ps.id_photos", "name": "居民身份证制证照片信息",
        "description": (
            "办理居民身份证时采集的标准证件照片（编号、拍摄日期）；"
            "仅用于需要证件照的事项。"
        ),
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "realtime", "tags": ["身份证", "照片", "公安"],
        "connector_config": _sql("ps", "id_photos"),
        "fields": _fields(
            ("id_number", "string", P, "公民身份号码"),
            ("photo_no", "string", S, "制证照片编号"),
            ("taken_on", "date", P, "拍摄日期"),
            ("use", "string", I, "照片用途"),
        ),
    }),
    ("hrss", {
        "code": "hrss.payout_accounts", "name": "社会保障卡金融账户信息",
        "description": "社会保障卡关联的银行账户，用于发放社会保险待遇和各类补贴。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "daily", "tags": ["社保卡", "银行账户", "待遇发放"],
        "connector_config": _sql("hrss", "payout_accounts"),
        "fields": _fields(
            ("id_number", "string", P, "公民身份号码"),
            ("bank", "string", P, "开户银行"),
            ("account_no", "string", S, "银行账号"),
            ("opened_on", "date", P, "开户日期"),
        ),
    }),
    ("hrss", {
        "code": "hrss.maternity_leaves", "name": "职工产假申报信息",
        "description": "用人单位为职工申报的产假（开始日期、天数），用于生育津贴核发。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "daily", "tags": ["生育", "产假", "社保"],
        "connector_config": _sql("hrss", "maternity_leaves"),
        "fields": _fields(
            ("filing_no", "string", P, "产假申报编号"),
            ("id_number", "string", P, "公民身份号码"),
            ("employer_credit_code", "string", I, "申报单位统一社会信用代码"),
            ("starts_on", "date", P, "产假开始日期"),
            ("days", "integer", P, "产假天数"),
            ("filed_on", "date", I, "申报日期"),
        ),
    }),
    ("health", {
        "code": "health.deaths", "name": "死亡医学证明信息",
        "description": "医疗卫生机构签发的死亡医学证明；按死者或申报人身份号码查询。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "realtime", "tags": ["死亡", "卫健", "身后事"],
        "connector_config": _sql(
            "health", "deaths", key_columns=["id_number", "informant_id_number"]
        ),
        "fields": _fields(
            ("cert_no", "string", P, "死亡医学证明编号"),
            ("id_number", "string", P, "死者公民身份号码"),
            ("name", "string", P, "死者姓名"),
            ("died_on", "date", P, "死亡日期"),
            ("place", "string", S, "死亡地点"),
            ("informant_id_number", "string", P, "申报人公民身份号码"),
        ),
    }),
    ("rer", {
        "code": "rer.properties", "name": "不动产登记信息（个人）",
        "description": "个人名下的不动产权：证书号、坐落、用途、面积、登簿日期；可作住所证明。",
        "subject_type": "person", "key_field": "owner_id_number",
        "share_class": "conditional", "update_frequency": "realtime",
        "tags": ["不动产", "房产", "住所证明"],
        "connector_config": _sql("rer", "properties"),
        "fields": _fields(("owner_id_number", "string", P, "权利人公民身份号码"), *PROPERTY_FIELDS),
    }),
    ("rer", {
        "code": "rer.company_properties", "name": "不动产登记信息（单位）",
        "description": "单位名下的不动产权，可作经营场所使用证明。",
        "subject_type": "entity", "key_field": "owner_credit_code",
        "share_class": "conditional", "update_frequency": "realtime",
        "tags": ["不动产", "经营场所", "企业"],
        "connector_config": _sql("rer", "properties"),
        "fields": _fields(
            ("owner_credit_code", "string", U, "权利人统一社会信用代码"), *PROPERTY_FIELDS
        ),
    }),
]  # fmt: skip
