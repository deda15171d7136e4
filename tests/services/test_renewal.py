"""Renewing an ID card (an item whose result is the licence it needs): the old card is
asked for, not awaited from the item itself; the new one takes sex and birth date from
the ID number when no fetched material says them."""

from __future__ import annotations

from sqlalchemy import select

from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.identity import service as identity
from onceonly.services.applications import applications, duplicates, starting
from onceonly.services.applications.applications import Applicant
from onceonly.services.models import MaterialState, ServiceItem, SubjectKind

NEWCOMER = "440524188001010014"  # a valid GB 11643 example; no e-licence here


def test_a_renewal_asks_for_the_old_card_and_claims_what_the_id_number_says(
    demo_db: Database, demo_settings: Settings
) -> None:
    with demo_db.session() as session:
        person = identity.upsert_person(session, NEWCOMER, "黎新")
        item = session.scalar(select(ServiceItem).where(
            ServiceItem.name == "居民身份证换领", ServiceItem.template_id.is_(None)))  # fmt: skip
        assert item is not None and item.result_licence == "resident_id"
        who = Applicant(SubjectKind.PERSON, NEWCOMER, "黎新", person.id, NEWCOMER)
        application = starting.start(session, who, item_code=item.code,
                                         settings=demo_settings)  # fmt: skip
        old_card = applications.material(application, "id_card")
        assert old_card.state is MaterialState.MISSING  # not "from this very item"
        claims = duplicates.result_claims(application, application.cases[0])
        assert claims["gender"] == "M" and claims["birth_date"] == "1880-01-01"
        assert claims["id_number"] == NEWCOMER
