"""The platform's scheduled work: each job calls a domain's own `tasks` function (the
same ones its CLI command runs), so cron and the job runner do one thing one way."""

from __future__ import annotations

from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.ops.jobs import job


@job("appeals.sweep", 15, "Remind departments of appeal deadlines; escalate overdue appeals")
def appeals_sweep(db: Database, settings: Settings) -> str:
    from onceonly.appeals.tasks import run_sweep

    result = run_sweep(db)
    return f"reminded {len(result.reminded)}, escalated {len(result.escalated)}"


@job("audit.catch-up", 1, "Sequence audit entries left waiting if no sequencer is taking them")
def audit_catch_up(db: Database, settings: Settings) -> str:
    from onceonly.audit.tasks import catch_up

    return catch_up(db, settings)


@job("exchange.prune", 60, "Drop finished rate-limit windows")
def exchange_prune(db: Database, settings: Settings) -> str:
    from onceonly.exchange.tasks import prune_windows

    return f"removed {prune_windows(db)} rate-limit windows"


@job("opendata.refresh", 15, "Refresh open-data snapshots that are due")
def opendata_refresh(db: Database, settings: Settings) -> str:
    from onceonly.opendata.tasks import refresh_due

    return f"refreshed {len(refresh_due(db, settings))} dataset(s)"


@job("services.deliver", 1, "Send waiting e-mails (and retry failed ones)", retries=0)
def services_deliver(db: Database, settings: Settings) -> str:
    from onceonly.services.casework import notify

    with db.session() as session:
        sent = notify.deliver_pending(session, settings, notify.sender_for(settings))
        failed = notify.failed_count(session)
    return f"sent {sent} e-mail(s); {failed} still failing"


@job("services.materials.purge", 1440, "Delete stored materials past their offer period")
def services_materials_purge(db: Database, settings: Settings) -> str:
    from onceonly.services.materials.service import purge_expired

    with db.session() as session:
        return f"deleted {purge_expired(session)} expired stored material(s)"


@job("ops.retention", 1440, "Delete what is past its retention period (never audit entries)")
def ops_retention(db: Database, settings: Settings) -> str:
    from onceonly.ops.retention import enforce

    return enforce(db, settings).summary()


@job("visits.remind", 15, "Remind applicants of tomorrow's visits; free closed cases' places")
def visits_remind(db: Database, settings: Settings) -> str:
    from onceonly.services.visits.tasks import run_reminders

    released, reminded = run_reminders(db)
    return f"released {released} booking(s) of closed cases; reminded {reminded} applicant(s)"


@job("visits.open-slots", 1440, "Keep the next working days' appointment slots open")
def visits_open_slots(db: Database, settings: Settings) -> str:
    from onceonly.services.visits.tasks import keep_slots_open

    return f"opened {keep_slots_open(db)} slot(s)"


@job("payments.callbacks", 1, "The demo payment service: send its waiting signed callbacks")
def payments_callbacks(db: Database, settings: Settings) -> str:
    from onceonly.services.payments.tasks import deliver_demo_callbacks

    return f"delivered {deliver_demo_callbacks(db, settings)} callback(s)"


@job("payments.reconcile", 1440, "Reconcile yesterday's payments with the payment service")
def payments_reconcile(db: Database, settings: Settings) -> str:
    from onceonly.services.payments.tasks import reconcile_day

    return f"{len(reconcile_day(db, settings))} mismatch(es)"


@job("federation.cases", 1, "Send routed 跨省通办 cases and their decisions between provinces",
     retries=0)  # fmt: skip
def federation_cases(db: Database, settings: Settings) -> str:
    from onceonly.federation.tasks import exchange_cases

    return exchange_cases(db)


@job("federation.refresh", 60, "Re-fetch peers' signed descriptors; flag a key never pinned")
def federation_refresh(db: Database, settings: Settings) -> str:
    from onceonly.federation.trust.refresh import refresh_peers

    return (
        ", ".join(f"{node}: {status}" for node, status in refresh_peers(db).items()) or "no peers"
    )
