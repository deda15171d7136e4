"""Licence types: what each licence says, who issues it, which claims may be hidden."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LicenceType:
    code: str
    name: str
    name_en: str
    issuer_kind: str  # Department.kind that may issue it
    claims: tuple[str, ...]  # every claim, in display order
    always_disclosed: tuple[str, ...]  # plain claims; the rest are selectively disclosable
    valid_years: int | None  # None: valid until revoked
    # The claims that name what the licence is about when it is not the holder (a birth
    # certificate is about the child, whichever parent holds it): a first issuance is
    # made once per these claims' values, else once per holder.
    subject_claims: tuple[str, ...] = ()

    @property
    def vct(self) -> str:
        return f"urn:onceonly:licence:{self.code}"

    def selective(self) -> tuple[str, ...]:
        return tuple(c for c in self.claims if c not in self.always_disclosed)


LICENCE_TYPES: dict[str, LicenceType] = {
    t.code: t
    for t in [
        LicenceType(
            "resident_id",
            "居民身份证",
            "Resident ID card",
            "public_security",
            ("id_number", "name", "gender", "birth_date", "address"),
            (),
            20,
        ),
        LicenceType(
            "household_extract",
            "户口簿",
            "Household register extract",
            "public_security",
            ("household_no", "id_number", "name", "relation", "address"),
            ("household_no",),
            None,
        ),
        LicenceType(
            "marriage_cert",
            "结婚证",
            "Marriage certificate",
            "civil_affairs",
            ("cert_no", "holder_id_number", "spouse_id_number", "registered_on", "registry"),
            ("cert_no",),
            None,
        ),
        LicenceType(
            "birth_cert",
            "出生医学证明",
            "Birth medical certificate",
            "health",
            ("cert_no", "child_name", "child_gender", "birth_date", "hospital", "mother_id_number"),
            ("cert_no",),
            None,
            subject_claims=("cert_no",),
        ),
        LicenceType(
            "business_licence",
            "营业执照",
            "Business licence",
            "market_regulation",
            ("credit_code", "name", "legal_rep_name", "kind", "established_on", "address"),
            ("credit_code", "name"),
            None,
        ),
        LicenceType(
            "driving_licence",
            "机动车驾驶证",
            "Driving licence",
            "public_security",
            ("licence_no", "id_number", "vehicle_class", "first_issued", "valid_until"),
            ("licence_no",),
            6,
        ),
        LicenceType(
            "social_security_card",
            "社会保障卡",
            "Social security card",
            "hrss",
            ("card_no", "id_number", "insured_since", "medical_insurance"),
            ("card_no",),
            10,
        ),
    ]
}


# What each claim is called, in Chinese and English, and what coded values mean: the
# library's pages and the service pages label a licence's claims from here.
CLAIM_LABELS: dict[str, tuple[str, str]] = {
    "id_number": ("公民身份号码", "Citizen ID number"),
    "name": ("姓名", "Name"),
    "gender": ("性别", "Sex"),
    "birth_date": ("出生日期", "Date of birth"),
    "address": ("住址", "Address"),
    "household_no": ("户号", "Household number"),
    "relation": ("与户主关系", "Relation to the household head"),
    "cert_no": ("证号", "Certificate number"),
    "holder_id_number": ("持证人公民身份号码", "Holder's citizen ID number"),
    "spouse_id_number": ("配偶公民身份号码", "Spouse's citizen ID number"),
    "registered_on": ("登记日期", "Registered on"),
    "registry": ("登记机关", "Registry"),
    "child_name": ("新生儿姓名", "Newborn's name"),
    "child_gender": ("新生儿性别", "Newborn's sex"),
    "hospital": ("出生医院", "Hospital of birth"),
    "mother_id_number": ("母亲公民身份号码", "Mother's citizen ID number"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "legal_rep_name": ("法定代表人", "Legal representative"),
    "kind": ("类型", "Type"),
    "established_on": ("成立日期", "Established on"),
    "licence_no": ("证号", "Licence number"),
    "vehicle_class": ("准驾车型", "Vehicle classes"),
    "first_issued": ("初次领证日期", "First issued on"),
    "valid_until": ("有效期至", "Valid until"),
    "card_no": ("社会保障卡号", "Card number"),
    "insured_since": ("参保日期", "Insured since"),
    "medical_insurance": ("医疗保险类别", "Medical insurance type"),
}
_SEX = {"M": ("男", "male"), "F": ("女", "female")}
CLAIM_CODES: dict[str, dict[str, tuple[str, str]]] = {"gender": _SEX, "child_gender": _SEX}
# The credential's own claims (RFC 7519, SD-JWT VC, Token Status List): shown to people
# only folded away, as technical details.
TECHNICAL_CLAIMS = ("iss", "vct", "iat", "nbf", "exp", "cnf", "status", "sub", "_sd_alg")


# What each claim is called, for people: the English label here, the Chinese one in the
# domain's message catalogue (keyed by the claim's name, as the verify page always did).
CLAIM_LABELS_EN: dict[str, str] = {
    "address": "Address", "birth_date": "Date of birth", "card_no": "Card number",
    "cert_no": "Certificate number", "child_gender": "Child's sex", "child_name": "Child's name",
    "credit_code": "Unified social credit code", "established_on": "Established on",
    "first_issued": "First issued", "gender": "Sex", "holder_id_number": "Holder's ID number",
    "hospital": "Place of birth (hospital)", "household_no": "Household number",
    "id_number": "ID number", "insured_since": "Insured since", "kind": "Type",
    "legal_rep_name": "Legal representative", "licence_no": "Licence number",
    "medical_insurance": "Medical insurance", "mother_id_number": "Mother's ID number",
    "name": "Name", "registered_on": "Registered on", "registry": "Registry",
    "relation": "Relation to the household head", "spouse_id_number": "Spouse's ID number",
    "valid_until": "Valid until", "vehicle_class": "Vehicle classes",
}  # fmt: skip


def claim_label(name: str) -> str:
    """A claim's label in the reader's language, never the raw key when one is known."""
    from onceonly.web.i18n import current_locale, gettext

    if current_locale.get() == "zh_CN":
        return gettext(name)
    return CLAIM_LABELS_EN.get(name, name.replace("_", " ").capitalize())
