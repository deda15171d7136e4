"""A material the citizen gave once, kept in their own store until it expires or they
delete it. The value (a form's text or a file's bytes) is sealed (AES-GCM) at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, IntPk, Name, Timestamp


class StoredMaterial(Base):
    __tablename__ = "citizen_materials"
    __table_args__ = (Index("ix_citizen_materials_owner_key", "person_id", "owner_code", "key"),)

    id: Mapped[IntPk]
    # The signed-in person who gave it, and whom it is about (their ID number, or the
    # credit code of the company they acted for): only they are offered it again.
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    owner_code: Mapped[str] = mapped_column(String(18))
    key: Mapped[str] = mapped_column(String(60))  # the material key items share
    name: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(10))  # "form" (text) or "upload" (a file)
    sealed: Mapped[str] = mapped_column(Text)  # core.crypto.seal of the text or the file
    filename: Mapped[str] = mapped_column(String(200), default="")
    media_type: Mapped[str] = mapped_column(String(60), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    # Where it was given: the application (ref) and when.
    source_ref: Mapped[str] = mapped_column(String(30))
    given_at: Mapped[Timestamp]
    expires_at: Mapped[datetime]
