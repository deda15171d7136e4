"""Demo catalog: a resource for every demo department's source, as their sharing lists
would declare it — personal registers shared on condition, public registers open, one
resource not shared with its legal basis, and derived open statistics.

Each resource reaches its department's own source database only through its connector
(`connector_config`), never by the catalog reading a source table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from onceonly.catalog import demo_reach, service
from onceonly.catalog.demo_labels import RESOURCES_EN
from onceonly.catalog.demo_labels import fields as _fields
from onceonly.catalog.demo_labels import sql as _sql
from onceonly.catalog.models import Resource
from onceonly.catalog.schemas import ResourceIn
from onceonly.core.seeding import SeedContext

P, S, I, U = "personal", "sensitive", "internal", "public"  # noqa: E741 — sensitivity shorthands


RESIDENTS = _fields(
    ("id_number", "string", P, "公民身份号码"),
    ("name", "string", P, "姓名"),
    ("gender", "string", P, "性别（M/F）"),
    ("birth_date", "date", P, "出生日期"),
    ("ethnicity", "string", S, "民族"),
    ("household_no", "string", P, "户号"),
    ("relation", "string", P, "与户主关系"),
    ("division_code", "string", I, "户籍地行政区划代码"),
    ("address", "string", P, "户籍地址"),
    ("status", "string", I, "户籍状态"),
)

RESOURCES: list[tuple[str, dict[str, Any]]] = [
    ("ps", {
        "code": "ps.residents", "name": "常住人口登记信息",
        "description": "户籍人口的基本登记信息（身份号码、姓名、出生、户号、户籍地址）。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "realtime", "tags": ["户籍", "人口", "身份"],
        "connector_config": _sql("ps", "residents"), "fields": RESIDENTS,
    }),
    ("ps", {
        "code": "ps.households", "name": "户籍户信息",
        "description": "户的登记信息：户号、户主、户类型与地址；按户主身份号码查询。",
        "subject_type": "person", "key_field": "head_id_number", "share_class": "conditional",
        "update_frequency": "realtime", "tags": ["户籍", "户口簿"],
        "connector_config": _sql("ps", "households"),
        "fields": _fields(
            ("household_no", "string", P, "户号"),
            ("head_id_number", "string", P, "户主公民身份号码"),
            ("division_code", "string", I, "行政区划代码"),
            ("address", "string", P, "住址"),
            ("kind", "string", I, "户别（家庭户/集体户）"),
        ),
    }),
    ("ps", {
        "code": "ps.driving_licences", "name": "机动车驾驶证信息",
        "description": "驾驶证号、准驾车型、初次领证日期与有效期。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "tags": ["交通", "证照"], "connector_config": _sql("ps", "driving_licences"),
        "fields": _fields(
            ("licence_no", "string", P, "驾驶证号"),
            ("id_number", "string", P, "公民身份号码"),
            ("vehicle_class", "string", I, "准驾车型"),
            ("first_issued", "date", I, "初次领证日期"),
            ("valid_until", "date", I, "有效期至"),
        ),
    }),
    ("ca", {
        "code": "ca.marriages", "name": "婚姻登记信息",
        "description": "结婚登记：证号、双方身份号码、登记日期与机关、状态；按任一方身份号码查询。",
        "subject_type": "person", "key_field": "husband_id_number",
        "share_class": "conditional", "tags": ["婚姻", "民政", "结婚证"],
        "connector_config": _sql(
            "ca", "marriages", key_columns=["husband_id_number", "wife_id_number"]
        ),
        "fields": _fields(
            ("cert_no", "string", P, "结婚证字号"),
            ("husband_id_number", "string", P, "男方公民身份号码"),
            ("wife_id_number", "string", P, "女方公民身份号码"),
            ("registered_on", "date", P, "登记日期"),
            ("registry_division", "string", I, "登记机关行政区划"),
            ("status", "string", P, "婚姻状态"),
        ),
    }),
    ("health", {
        "code": "health.births", "name": "出生医学证明信息",
        "description": (
            "新生儿出生医学证明：姓名、性别、出生日期、医院、父母身份号码；"
            "按父母或子女身份号码查询。"
        ),
        "subject_type": "person", "key_field": "mother_id_number",
        "share_class": "conditional", "tags": ["出生", "卫健", "出生医学证明"],
        "connector_config": _sql(
            "health", "births",
            key_columns=["mother_id_number", "father_id_number", "child_id_number"],
        ),
        "fields": _fields(
            ("cert_no", "string", P, "出生医学证明编号"),
            ("child_name", "string", P, "新生儿姓名"),
            ("child_gender", "string", P, "新生儿性别"),
            ("birth_date", "date", P, "出生日期"),
            ("hospital", "string", I, "出生医院"),
            ("weight_g", "integer", S, "出生体重（克）"),
            ("mother_id_number", "string", P, "母亲公民身份号码"),
            ("father_id_number", "string", P, "父亲公民身份号码"),
            ("child_id_number", "string", P, "新生儿公民身份号码（落户后）"),
        ),
    }),
    ("hrss", {
        "code": "hrss.insured_persons", "name": "社会保险参保信息",
        "description": "参保人员：社保卡号、参保单位、参保日期、缴费月数、医保类别与状态。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "daily", "tags": ["社保", "医保", "社保卡"],
        "connector_config": _sql("hrss", "insured_persons"),
        "fields": _fields(
            ("id_number", "string", P, "公民身份号码"),
            ("card_no", "string", P, "社会保障卡号"),
            ("employer_credit_code", "string", I, "参保单位统一社会信用代码"),
            ("insured_since", "date", P, "参保日期"),
            ("months_paid", "integer", P, "累计缴费月数"),
            ("medical_insurance", "string", P, "医疗保险类别"),
            ("status", "string", P, "参保状态"),
        ),
    }),
    ("hrss", {
        "code": "hrss.contribution_base", "name": "个人社会保险缴费基数",
        "description": "个人月缴费基数。依法仅用于社保经办，不予共享。",
        "subject_type": "person", "key_field": "id_number", "share_class": "not_shared",
        "legal_basis": (
            "《社会保险法》第八十一条：社会保险行政部门和经办机构"
            "应当依法为用人单位和个人的信息保密。"
        ),
        "tags": ["社保"], "connector_config": _sql("hrss", "insured_persons"),
        "fields": _fields(
            ("id_number", "string", P, "公民身份号码"),
            ("monthly_base_cents", "integer", S, "月缴费基数（分）"),
        ),
    }),
    ("hrss", {
        "code": "hrss.employer_stats", "name": "参保单位参保人数统计",
        "description": (
            "按参保单位统计的在册参保人数与累计缴费月数，"
            "用于研究与营商环境分析，依申请开放。"
        ),
        "subject_type": "entity", "key_field": "employer_credit_code",
        "share_class": "unconditional", "open_class": "conditional",
        "update_frequency": "monthly", "tags": ["社保", "统计", "就业"],
        "connector_config": _sql("hrss", query=(
            "SELECT employer_credit_code, COUNT(*) AS insured, SUM(months_paid) AS months_paid "
            "FROM insured_persons WHERE employer_credit_code IS NOT NULL "
            "GROUP BY employer_credit_code"
        )),
        "fields": _fields(
            ("employer_credit_code", "string", I, "参保单位统一社会信用代码"),
            ("insured", "integer", I, "在册参保人数"),
            ("months_paid", "integer", I, "累计缴费月数合计"),
        ),
    }),
    ("amr", {
        "code": "amr.companies", "name": "市场主体登记信息",
        "description": (
            "企业登记：名称、法定代表人（含身份号码）、类型、注册资本、"
            "成立日期、住所、经营范围、状态。"
        ),
        "subject_type": "entity", "key_field": "credit_code", "share_class": "conditional",
        "update_frequency": "realtime", "tags": ["企业", "营业执照", "市场监管"],
        "connector_config": _sql("amr", "companies"),
        "fields": _fields(
            ("credit_code", "string", U, "统一社会信用代码"),
            ("name", "string", U, "企业名称"),
            ("legal_rep_id_number", "string", P, "法定代表人公民身份号码"),
            ("legal_rep_name", "string", U, "法定代表人姓名"),
            ("kind", "string", U, "企业类型"),
            ("registered_capital_cents", "integer", U, "注册资本（分）"),
            ("established_on", "date", U, "成立日期"),
            ("division_code", "string", U, "登记机关行政区划"),
            ("address", "string", U, "住所"),
            ("business_scope", "string", U, "经营范围"),
            ("status", "string", U, "登记状态"),
        ),
    }),
    ("amr", {
        "code": "amr.company_register_public", "name": "企业登记公示信息",
        "description": "依法公示的企业登记事项，不含法定代表人身份号码，无条件开放。",
        "subject_type": "entity", "key_field": "credit_code", "share_class": "unconditional",
        "open_class": "unconditional", "update_frequency": "daily",
        "tags": ["企业", "公示", "开放数据"], "connector_config": _sql("amr", "companies"),
        "fields": _fields(
            ("credit_code", "string", U, "统一社会信用代码"),
            ("name", "string", U, "企业名称"),
            ("kind", "string", U, "企业类型"),
            ("established_on", "date", U, "成立日期"),
            ("division_code", "string", U, "登记机关行政区划"),
            ("address", "string", U, "住所"),
            ("business_scope", "string", U, "经营范围"),
            ("status", "string", U, "登记状态"),
        ),
    }),
    ("hpf", {
        "code": "hpf.fund_accounts", "name": "住房公积金缴存信息",
        "description": "个人公积金账户：账号、缴存单位、开户日期、月缴存额、余额与状态。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "tags": ["公积金", "住房"], "connector_config": _sql("hpf", "fund_accounts"),
        "fields": _fields(
            ("account_no", "string", P, "公积金账号"),
            ("id_number", "string", P, "公民身份号码"),
            ("employer_credit_code", "string", I, "缴存单位统一社会信用代码"),
            ("opened_on", "date", P, "开户日期"),
            ("monthly_deposit_cents", "integer", S, "月缴存额（分）"),
            ("balance_cents", "integer", S, "账户余额（分）"),
            ("status", "string", P, "账户状态"),
        ),
    }),
    ("edu", {
        "code": "edu.school_records", "name": "学籍与学历信息",
        "description": "在读与毕业记录：学校、学段、入学与毕业日期。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "tags": ["教育", "学籍", "学历"], "connector_config": _sql("edu", "school_records"),
        "fields": _fields(
            ("record_no", "string", P, "学籍号"),
            ("id_number", "string", P, "公民身份号码"),
            ("school", "string", I, "学校"),
            ("level", "string", I, "学段"),
            ("enrolled_on", "date", P, "入学日期"),
            ("graduated_on", "date", P, "毕业日期"),
        ),
    }),
    ("edu", {
        "code": "edu.school_enrolment", "name": "各学校在册学生人数",
        "description": "按学校与学段统计的学生人数，无条件开放。",
        "subject_type": "other", "key_field": "school", "share_class": "unconditional",
        "open_class": "unconditional", "update_frequency": "yearly",
        "tags": ["教育", "统计", "开放数据"],
        "connector_config": _sql("edu", query=(
            "SELECT school, level, COUNT(*) AS students FROM school_records "
            "GROUP BY school, level"
        )),
        "fields": _fields(
            ("school", "string", U, "学校"),
            ("level", "string", U, "学段"),
            ("students", "integer", U, "学生人数"),
        ),
    }),
    ("health", {
        "code": "health.births_by_hospital", "name": "各医院出生人数",
        "description": "按医院统计的出生人数，无条件开放。",
        "subject_type": "other", "key_field": "hospital", "share_class": "unconditional",
        "open_class": "unconditional", "update_frequency": "monthly",
        "tags": ["卫健", "统计", "开放数据"],
        "connector_config": _sql("health", query=(
            "SELECT hospital, COUNT(*) AS births FROM births GROUP BY hospital"
        )),
        "fields": _fields(
            ("hospital", "string", U, "医院"),
            ("births", "integer", U, "出生人数"),
        ),
    }),
    ("tax", {
        "code": "tax.income_tax", "name": "个人所得税纳税信息",
        "description": "按年度的收入与已缴个人所得税。",
        "subject_type": "person", "key_field": "id_number", "share_class": "conditional",
        "update_frequency": "yearly", "tags": ["税务", "收入"],
        "connector_config": _sql("tax", "income_tax"),
        "fields": _fields(
            ("id_number", "string", P, "公民身份号码"),
            ("year", "integer", P, "纳税年度"),
            ("income_cents", "integer", S, "收入（分）"),
            ("tax_cents", "integer", S, "已缴税额（分）"),
        ),
    }),
    ("tax", {
        "code": "tax.taxpayers", "name": "纳税人登记信息",
        "description": "企业纳税人登记：纳税人类型、登记日期、状态；依申请开放。",
        "subject_type": "entity", "key_field": "credit_code", "share_class": "unconditional",
        "open_class": "conditional", "tags": ["税务", "企业"],
        "connector_config": _sql("tax", "tax_registrations"),
        "fields": _fields(
            ("credit_code", "string", U, "统一社会信用代码"),
            ("taxpayer_kind", "string", I, "纳税人类型"),
            ("registered_on", "date", I, "登记日期"),
            ("status", "string", I, "登记状态"),
        ),
    }),
]  # fmt: skip


def seed(ctx: SeedContext) -> None:
    registered = 0
    for department_code, spec in [*RESOURCES, *demo_reach.RESOURCES]:
        exists = ctx.session.scalar(select(Resource.id).where(Resource.code == spec["code"]))
        if exists is not None:
            continue
        department = ctx.departments[department_code]
        name_en, description_en = RESOURCES_EN.get(spec["code"], ("", ""))
        english = {"name_en": name_en, "description_en": description_en}
        service.register_resource(
            ctx.session, ResourceIn.model_validate(spec | english), department, ctx.actor
        )
        registered += 1
    ctx.console.print(f"catalog: {registered} resources registered")
