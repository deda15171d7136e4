"""The demo's materials shared by many service items, with their sources and English
names. A material's source is written as `demo_items` explains."""

from __future__ import annotations

# Materials used by many items: key → (name, source). The key is what a bundle shares.
MATERIALS: dict[str, tuple[str, str | None]] = {
    "id_card": ("申请人居民身份证", "lic:resident_id"),
    "person": ("申请人身份信息", "ex:ps.residents:id_number,name,gender,birth_date,address"),
    "household": ("居民户口簿", "lic:household_extract"),
    "household_data": (
        "户籍信息",
        "ex:ps.residents:id_number,name,household_no,relation,division_code,address",
    ),
    "household_head": ("户主信息", "ex:ps.households:household_no,head_id_number,address,kind"),
    "marriage": ("结婚证", "lic:marriage_cert"),
    "marriage_data": (
        "婚姻登记信息",
        "ex:ca.marriages:cert_no,husband_id_number,wife_id_number,registered_on,status",
    ),
    "birth_cert": ("出生医学证明", "lic:birth_cert"),
    "birth_data": (
        "新生儿出生信息",
        "ex:health.births:cert_no,child_name,child_gender,birth_date,hospital,"
        "mother_id_number,father_id_number",
    ),
    "insured": (
        "社会保险参保信息",
        "ex:hrss.insured_persons:card_no,insured_since,months_paid,medical_insurance,status",
    ),
    "ss_card": ("社会保障卡", "lic:social_security_card"),
    "business_licence": ("营业执照", "lic:business_licence"),
    "company": (
        "市场主体登记信息",
        "ex:amr.companies:credit_code,name,legal_rep_name,kind,address,status",
    ),
    "tax_record": ("个人所得税纳税记录", "ex:tax.income_tax:id_number,year,income_cents,tax_cents"),
    "fund_account": (
        "住房公积金缴存信息",
        "ex:hpf.fund_accounts:account_no,id_number,opened_on,balance_cents,status",
    ),
    "school_record": (
        "学籍与学历信息",
        "ex:edu.school_records:record_no,id_number,school,level,enrolled_on,graduated_on",
    ),
    "driving": ("机动车驾驶证", "lic:driving_licence"),
    # The photo taken for the ID card, the social security card's bank account, contact
    # details from the portal account, and the application form generated from the
    # application (issue 18: no longer asked).
    "photo": ("近期免冠证件照片", "ex:ps.id_photos:photo_no,taken_on"),
    "form": ("申请表", "generated"),
    "bank": ("本人银行账户", "ex:hrss.payout_accounts:bank,account_no"),
    "contact": ("联系人及联系方式", "account"),
    "articles": ("公司章程", "upload"),
    # Owned premises from the real-estate register (a company's own, or the person's);
    # rented ones are not registered there, and the applicant uploads the lease.
    "premises": ("住所（经营场所）使用证明", "ex:rer.company_properties:cert_no,address,usage"),
    "home": ("住所证明", "ex:rer.properties:cert_no,address,usage"),
    "company_form": ("企业登记申请书", "form"),
    "seal_form": ("印章刻制申请", "generated"),
    "employees": ("参保职工名册", "form"),
    "medical_record": ("分娩医疗记录", "upload"),
    "leave": ("产假证明", "ex:hrss.maternity_leaves:filing_no,starts_on,days,employer_credit_code"),
    "retire_form": ("退休审批表", "generated"),
    "property": ("不动产权证书", "ex:rer.properties:cert_no,address,usage,area_dm2,registered_on"),
    "death": ("死亡医学证明", "ex:health.deaths:cert_no,id_number,name,died_on,place"),
    "declaration": ("无配偶声明", "derived:ca.marriages:cert_no,status"),
}

# Each material's name in English, by key (shared and item-specific materials alike).
MATERIAL_NAMES_EN: dict[str, str] = {
    "id_card": "Applicant's resident ID card",
    "person": "Applicant's identity details",
    "household": "Household register booklet",
    "household_data": "Household registration details",
    "household_head": "Household head's details",
    "marriage": "Marriage certificate",
    "marriage_data": "Marriage registration details",
    "birth_cert": "Birth medical certificate",
    "birth_data": "Newborn's birth details",
    "insured": "Social insurance enrolment details",
    "ss_card": "Social security card",
    "business_licence": "Business licence",
    "company": "Company registration details",
    "tax_record": "Individual income tax record",
    "fund_account": "Housing fund contribution details",
    "school_record": "School and degree records",
    "driving": "Driving licence",
    "photo": "Recent ID photo",
    "form": "Application form",
    "bank": "Your bank account",
    "contact": "Contact person and details",
    "articles": "Articles of association",
    "premises": "Proof of use of the premises",
    "company_form": "Company registration application",
    "seal_form": "Seal making application",
    "employees": "List of insured employees",
    "medical_record": "Delivery medical record",
    "leave": "Maternity leave certificate",
    "retire_form": "Retirement approval form",
    "property": "Home purchase contract or property certificate",
    "home": "Proof of residence",
    "death": "Medical certificate of death",
    "health_form": "Certificate of physical fitness",
    "declaration": "Declaration of having no spouse",
    "agreement": "Divorce agreement",
    "cremation": "Cremation certificate",
    "sponsor": "Approval of the supervising authority",
    "statement": "Declaration of loss",
    "qualification": "Physician's qualification certificate",
    "employer": "Employment letter from the practice",
    "staff": "Qualifications of the technical staff",
    "termination": "Proof of termination of employment",
    "liquidation": "Liquidation report",
    "food_safety": "Food safety management rules",
    "physical": "Medical examination certificate",
    "tax_registration": "Tax registration details",
}
