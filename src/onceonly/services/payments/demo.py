"""Demo fees: the production fees (工本费) of ID cards, the driving licence and the
social security card, on every implementation of those items."""

from __future__ import annotations

from sqlalchemy import select

from onceonly.core.seeding import SeedContext
from onceonly.services.demo import basic_code
from onceonly.services.items.demo_items import ITEMS
from onceonly.services.models import ServiceItem
from onceonly.services.payments.models import Fee

ID_CARD_FEE = "《居民身份证法》第二十条；国家发展改革委、财政部关于居民身份证工本费标准的规定"
# (department, item seq) → fee name, amount in fen, legal basis
FEES: dict[tuple[str, int], tuple[str, int, str]] = {
    ("ps", 2): ("工本费", 2000, ID_CARD_FEE),
    ("ps", 3): ("工本费", 2000, ID_CARD_FEE),
    ("ps", 9): ("工本费", 1000, "《机动车驾驶证申领和使用规定》；省物价局驾驶证工本费标准"),
    ("hrss", 4): ("补换卡工本费", 2000, "《社会保障卡管理办法》；省社会保障卡补换收费标准"),
}


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    if session.scalar(select(Fee.id).limit(1)) is not None:
        return
    codes = {basic_code(s): FEES[(s.dept, s.seq)] for s in ITEMS if (s.dept, s.seq) in FEES}
    for item in session.scalars(select(ServiceItem).where(ServiceItem.basic_code.in_(codes))):
        name, cents, basis = codes[item.basic_code]
        session.add(Fee(item_id=item.id, name=name, amount_cents=cents, legal_basis=basis))
