"""The demo catalog's field labels in English and its code lists, by the Chinese label
each field is declared with (the same name, e.g. `status`, means different things in
different resources; the label says which)."""

from __future__ import annotations

from typing import Any

SEX = {"M": ["男", "male"], "F": ["女", "female"]}

ENGLISH: dict[str, str] = {
    "公民身份号码": "Citizen ID number",
    "姓名": "Name",
    "性别（M/F）": "Sex",
    "出生日期": "Date of birth",
    "民族": "Ethnicity",
    "户号": "Household number",
    "与户主关系": "Relation to the household head",
    "户籍地行政区划代码": "Division of household registration",
    "户籍地址": "Registered address",
    "户籍状态": "Household registration status",
    "户主公民身份号码": "Household head's citizen ID number",
    "行政区划代码": "Division code",
    "住址": "Address",
    "住所": "Registered office",
    "户别（家庭户/集体户）": "Household type",
    "驾驶证号": "Driving licence number",
    "准驾车型": "Vehicle classes",
    "初次领证日期": "First issued on",
    "有效期至": "Valid until",
    "结婚证字号": "Marriage certificate number",
    "男方公民身份号码": "Husband's citizen ID number",
    "女方公民身份号码": "Wife's citizen ID number",
    "登记日期": "Registered on",
    "登记机关行政区划": "Registry's division",
    "婚姻状态": "Marital status",
    "出生医学证明编号": "Birth certificate number",
    "新生儿姓名": "Newborn's name",
    "新生儿性别": "Newborn's sex",
    "出生医院": "Hospital of birth",
    "出生体重（克）": "Birth weight (g)",
    "母亲公民身份号码": "Mother's citizen ID number",
    "父亲公民身份号码": "Father's citizen ID number",
    "新生儿公民身份号码（落户后）": "Newborn's citizen ID number (once registered)",
    "社会保障卡号": "Social security card number",
    "参保单位统一社会信用代码": "Employer's credit code (insurance)",
    "参保日期": "Insured since",
    "累计缴费月数": "Months of contributions",
    "累计缴费月数合计": "Months of contributions, total",
    "医疗保险类别": "Medical insurance type",
    "参保状态": "Insurance status",
    "月缴费基数（分）": "Monthly contribution base (fen)",
    "在册参保人数": "Insured persons",
    "出生人数": "Births",
    "医院": "Hospital",
    "企业名称": "Company name",
    "企业类型": "Company type",
    "统一社会信用代码": "Unified social credit code",
    "成立日期": "Established on",
    "法定代表人姓名": "Legal representative",
    "法定代表人公民身份号码": "Legal representative's citizen ID number",
    "注册资本（分）": "Registered capital (fen)",
    "经营范围": "Business scope",
    "登记状态": "Registration status",
    "纳税人类型": "Taxpayer type",
    "纳税年度": "Tax year",
    "收入（分）": "Income (fen)",
    "已缴税额（分）": "Tax paid (fen)",
    "公积金账号": "Housing fund account",
    "缴存单位统一社会信用代码": "Employer's credit code (housing fund)",
    "开户日期": "Opened on",
    "月缴存额（分）": "Monthly deposit (fen)",
    "账户余额（分）": "Balance (fen)",
    "账户状态": "Account status",
    "学籍号": "Student record number",
    "学校": "School",
    "学段": "Level",
    "入学日期": "Enrolled on",
    "毕业日期": "Graduated on",
    "学生人数": "Students",
    # The once-only registers (issue 18, catalog.demo_reach).
    "制证照片编号": "ID card photo number",
    "拍摄日期": "Photo taken on",
    "照片用途": "Photo used for",
    "开户银行": "Bank",
    "银行账号": "Bank account number",
    "产假申报编号": "Maternity leave filing number",
    "申报单位统一社会信用代码": "Filing employer's credit code",
    "产假开始日期": "Maternity leave starts on",
    "产假天数": "Maternity leave days",
    "申报日期": "Filed on",
    "死亡医学证明编号": "Death certificate number",
    "死者公民身份号码": "Deceased's citizen ID number",
    "死者姓名": "Deceased's name",
    "死亡日期": "Date of death",
    "死亡地点": "Place of death",
    "申报人公民身份号码": "Informant's citizen ID number",
    "不动产权证书号": "Real estate title number",
    "权利人公民身份号码": "Owner's citizen ID number",
    "权利人统一社会信用代码": "Owner's credit code",
    "权利人名称": "Owner",
    "坐落行政区划": "Division of the property",
    "坐落": "Property address",
    "用途": "Use",
    "面积（平方分米）": "Area (dm²)",
    "登簿日期": "Registered on",
    "权属状态": "Title status",
}

CODES: dict[str, dict[str, list[str]]] = {
    "性别（M/F）": SEX,
    "新生儿性别": SEX,
    "婚姻状态": {
        "married": ["已婚", "married"],
        "divorced": ["离婚", "divorced"],
        "widowed": ["丧偶", "widowed"],
    },
    "参保状态": {
        "参保缴费": ["参保缴费", "contributing"],
        "暂停缴费": ["暂停缴费", "contributions paused"],
        "退休": ["退休", "retired"],
    },
    "医疗保险类别": {
        "职工医保": ["职工医保", "employee medical insurance"],
        "居民医保": ["居民医保", "resident medical insurance"],
    },
    "户籍状态": {"正常": ["正常", "registered"], "迁出": ["迁出", "moved out"]},
    "账户状态": {"正常": ["正常", "active"], "封存": ["封存", "sealed"]},
    "户别（家庭户/集体户）": {"家庭户": ["家庭户", "family"], "集体户": ["集体户", "collective"]},
    "与户主关系": {
        "户主": ["户主", "head"],
        "配偶": ["配偶", "spouse"],
        "子": ["子", "son"],
        "女": ["女", "daughter"],
        "父亲": ["父亲", "father"],
        "母亲": ["母亲", "mother"],
    },
    "学段": {
        "primary": ["小学", "primary"],
        "junior": ["初中", "junior secondary"],
        "senior": ["高中", "senior secondary"],
        "university": ["大学", "university"],
    },
    "登记状态": {"存续": ["存续", "in business"], "正常": ["正常", "registered"]},
    "纳税人类型": {"一般纳税人": ["一般纳税人", "general taxpayer"]},
}

# Each demo resource's name and description in English, by code.
RESOURCES_EN: dict[str, tuple[str, str]] = {
    "ps.residents": ("Resident population register", "Basic registration of registered "
                     "residents (ID number, name, birth, household number, address)."),
    "ps.households": ("Household register", "A household's registration: number, head, type "
                      "and address; looked up by the head's ID number."),
    "ps.driving_licences": ("Driving licences", "Licence number, vehicle classes, first issue "
                            "date and validity."),
    "ca.marriages": ("Marriage register", "Marriage registrations: certificate number, both "
                     "spouses' ID numbers, date, registry and status; looked up by either."),
    "health.births": ("Birth medical certificates", "A newborn's birth certificate: name, sex, "
                      "date of birth, hospital, parents' ID numbers; looked up by parent or "
                      "child."),
    "hrss.insured_persons": ("Social insurance enrolment", "Insured people: card number, "
                             "employer, insured since, months paid, medical scheme and status."),
    "hrss.contribution_base": ("Social insurance contribution base", "A person's monthly "
                               "contribution base. By law used only by the insurance "
                               "agency: not shared."),
    "hrss.employer_stats": ("Insured people by employer", "Insured people and months paid by "
                            "employer, for research and business-climate analysis; open on "
                            "application."),
    "amr.companies": ("Market entity register", "Company registration: name, legal "
                      "representative (with ID number), type, capital, founding date, "
                      "address, business scope, status."),
    "amr.company_register_public": ("Public company register", "The company registration "
                                    "published by law, without the representative's ID "
                                    "number; open without conditions."),
    "hpf.fund_accounts": ("Housing fund accounts", "A person's housing fund account: number, "
                          "employer, opened on, monthly contribution, balance and status."),
    "edu.school_records": ("School and degree records", "Enrolment and graduation records: "
                           "school, level, enrolled and graduated on."),
    "edu.school_enrolment": ("Students by school", "Students by school and level; open "
                             "without conditions."),
    "health.births_by_hospital": ("Births by hospital", "Births counted by hospital; open "
                                  "without conditions."),
    "tax.income_tax": ("Individual income tax", "Income and individual income tax paid, by "
                       "year."),
    "tax.taxpayers": ("Taxpayer register", "Company taxpayers: type, registration date, "
                      "status; open on application."),
    "ps.id_photos": ("ID card photos", "The photo taken for a resident's ID card, by ID "
                     "number; for services that need a recent ID photo."),
    "hrss.payout_accounts": ("Social security card bank accounts", "The bank account linked "
                             "to the social security card, for paying benefits and subsidies."),
    "hrss.maternity_leaves": ("Maternity leave filings", "Maternity leave filed by the "
                              "employer (start date, days), for the maternity allowance."),
    "health.deaths": ("Medical certificates of death", "Death certificates issued by medical "
                      "institutions; looked up by the deceased's or the declarant's ID number."),
    "rer.properties": ("Real estate register (persons)", "Real estate held by a person: "
                       "certificate number, location, use, area, registration date; proof "
                       "of residence."),
    "rer.company_properties": ("Real estate register (organisations)", "Real estate held by "
                               "an organisation; proof of business premises."),
}  # fmt: skip


def fields(*rows: tuple[str, str, str, str]) -> list[dict[str, Any]]:
    """Fields with their Chinese label, the English one and any code list."""
    return [
        {"name": n, "type": t, "sensitivity": s, "description": d,
         "description_en": ENGLISH.get(d, ""), "codes": CODES.get(d, {})}
        for n, t, s, d in rows
    ]  # fmt: skip


def sql(source: str, table: str | None = None, **extra: Any) -> dict[str, Any]:
    """A connector config reading `table` (or a query in `extra`) of a department source."""
    config: dict[str, Any] = {"source": source, **extra}
    if table:
        config["table"] = table
    return config
