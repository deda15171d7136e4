"""Notifications to applicants: in the portal, and by e-mail through a pluggable sender.

A notification is written in the same transaction as the change it reports (so a
rolled-back decision never tells anyone anything) and e-mailed after commit by
`deliver_pending`, which the pages call in the background and `onceonly services
deliver` calls from cron; a failure is kept with its reason and retried. Production
sends through SMTP (`ONCEONLY_SMTP_URL`); without one, messages are written as .eml
files to `<data_dir>/outbox`, which the demo and the tests read.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.core.db import Database, utcnow
from onceonly.core.deps import get_db
from onceonly.core.settings import Settings
from onceonly.services.models import Application, Notification

if TYPE_CHECKING:
    from fastapi import BackgroundTasks, Request

log = logging.getLogger(__name__)
PENDING = "pending"
SENT = "sent"


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class OutboxSender:
    """Writes each message as an .eml file: the demo's and the tests' mailbox."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        ident = str(message["Message-ID"]).strip("<>").split("@")[0]
        (self.folder / f"{stamp}-{ident}.eml").write_bytes(message.as_bytes())


@dataclass
class SmtpSender:
    """smtp://user:password@host:port (STARTTLS when offered) or smtps:// (TLS)."""

    url: str
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        secure = parts.scheme == "smtps"
        port = parts.port or (465 if secure else 25)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
            if secure
            else smtplib.SMTP(host, port, timeout=self.timeout)
        )
        with smtp:
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)


def sender_for(settings: Settings) -> Sender:
    if settings.smtp_url:
        if urlsplit(settings.smtp_url).scheme not in ("smtp", "smtps"):
            raise ValueError("ONCEONLY_SMTP_URL must start with smtp:// or smtps://")
        return SmtpSender(settings.smtp_url)
    return OutboxSender(settings.data_dir / "outbox")


def to_applicant(session: Session, application: Application, subject: str, body: str) -> None:
    """Tell the applicant; e-mailed later if they gave an address."""
    session.add(
        Notification(
            person_id=application.person_id,
            application_id=application.id,
            subject=subject[:200],
            body=body,
            email=application.email,
            email_state=PENDING if application.email else "",
        )
    )


def for_person(session: Session, person_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, person_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, person_id: int) -> None:
    now = utcnow()
    for note in session.scalars(
        select(Notification).where(
            Notification.person_id == person_id, Notification.read_at.is_(None)
        )
    ):
        note.read_at = now


def failed_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.email_state.like("failed:%"))
        )
        or 0
    )


def deliver_in_background(db: Database, settings: Settings) -> None:
    """For a page's BackgroundTasks, after its transaction committed: send what waits.
    A failure stays on the notification (retried by the next delivery), never on the page."""
    try:
        with db.session() as session:
            deliver_pending(session, settings)
    except Exception:
        log.exception("e-mail delivery failed; `onceonly services deliver` retries")


def deliver_later(request: Request, background: BackgroundTasks) -> None:
    """Have the page e-mail what its change left waiting once its transaction committed
    (the route's BackgroundTasks run after the response is sent)."""
    background.add_task(deliver_in_background, get_db(request), request.app.state.settings)


def message_for(note: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = note.email
    message["Subject"] = note.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(f"n{note.id}")
    link = f"{settings.base_url.rstrip('/')}/portal/notifications"
    message.set_content(f"{note.body}\n\n{link}\n")
    return message


def deliver_pending(session: Session, settings: Settings, sender: Sender | None = None) -> int:
    """E-mail what is waiting (and retry failures); returns how many were sent. Each
    message is marked in the session: commit after, or a crash resends (at-least-once)."""
    sender = sender or sender_for(settings)
    sent = 0
    waiting = session.scalars(
        select(Notification)
        .where((Notification.email_state == PENDING) | Notification.email_state.like("failed:%"))
        .order_by(Notification.id)
        .limit(500)
    )
    for note in list(waiting):
        try:
            sender.send(message_for(note, settings))
        except (OSError, smtplib.SMTPException) as exc:
            note.email_state = f"failed: {type(exc).__name__}: {exc}"[:200]
            continue
        note.email_state = SENT
        note.emailed_at = utcnow()
        sent += 1
    return sent
