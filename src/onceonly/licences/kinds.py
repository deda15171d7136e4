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
