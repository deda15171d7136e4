"""`onceonly audit …`: run the sequencer, verify the log (whole, or against a kept
checkpoint), sign and witness checkpoints, check a citizen's proof, rotate the key,
export a person's history."""

from __future__ import annotations

import base64
import json
import signal
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from onceonly.audit import tracker
from onceonly.audit.checks.consistency import verify_from_checkpoint
from onceonly.audit.checks.verify import VerifyReport, verify_log
from onceonly.audit.log import checkpoints, merkle, notes, proofs, sequencer
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.identity.validators import parse_citizen_id

app = typer.Typer(
    help="The audit log: sequence, verify, checkpoints, proofs.", no_args_is_help=True
)
err = Console(stderr=True)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _db() -> Database:
    return Database(get_settings().database_url)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"{what} {path}: {exc.strerror}") from None


def _keys(key: list[str] | None) -> list[notes.VerifierKey] | None:
    try:
        return [notes.parse_verifier_key(k) for k in key] if key else None
    except notes.NoteError as exc:
        raise Invalid(f"--key: {exc}") from None


def _finish(report: VerifyReport) -> None:
    if not report.ok:
        err.print(f"[red]audit log broken:[/] {report.line()}", highlight=False, soft_wrap=True)
        for finding in report.findings[1:]:
            err.print(f"  {finding.line()}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    err.print(report.line())


KeyOption = Annotated[
    list[str] | None,
    typer.Option("--key", help="a verifier key to trust (name+id+base64); repeatable"),
]


@app.command("verify")
def verify(
    from_checkpoint: Annotated[
        Path | None,
        typer.Option(help="a signed checkpoint kept from before: check consistency with it"),
    ] = None,
    witness: Annotated[
        Path | None, typer.Option(help="a witness file of checkpoints (default: the setting)")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="processes re-hashing")] = 2,
    key: KeyOption = None,
) -> None:
    """Exit 1 naming what was edited, deleted, truncated, reordered or rewritten."""
    db = _db()
    if from_checkpoint is not None:
        _finish(verify_from_checkpoint(db, _read(from_checkpoint, "checkpoint"), _keys(key)))
        return
    witness = witness or checkpoints.witness_path()
    with db.session() as session:
        top = proofs.tree_size(session)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("verifying", total=top or None)
        report = verify_log(
            db, witness=witness, workers=workers, progress=lambda n: bar.update(task, completed=n)
        )
    _finish(report)


@app.command("sequencer")
def run_sequencer(
    once: Annotated[bool, typer.Option(help="sequence what waits, sign, and exit")] = False,
) -> None:
    """Give committed entries their place in the log (production: one process of its
    own; several may run, one is active). Stops on SIGTERM or Ctrl-C."""
    db = _db()
    if once:
        err.print(f"{sequencer.sequence_all(db):,} entries sequenced")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    err.print("audit sequencer running (Ctrl-C to stop)")
    sequencer.run(db, stop=stop)


@app.command("checkpoint")
def checkpoint() -> None:
    """Sequence what waits and sign the tree's head now (the sequencer also signs every
    ONCEONLY_AUDIT_CHECKPOINT_INTERVAL seconds while the log grows)."""
    db = _db()
    sequencer.sequence_all(db)
    with db.session() as session:
        latest = checkpoints.latest(session)
    if latest is None:
        err.print("the log is empty: nothing to sign")
        return
    sys.stdout.write(latest.note)


@app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(help="a proof bundle downloaded from My data")],
    key: KeyOption = None,
) -> None:
    """Check that an entry is in the log: its leaf, the inclusion path, the signed
    checkpoint. Works offline; with --key, trusts only that key."""
    try:
        bundle = json.loads(_read(file, "proof"))
        found = proofs.check_bundle(bundle, _keys(key))
    except json.JSONDecodeError:
        raise Invalid(f"{file} is not JSON") from None
    except proofs.ProofError as exc:
        err.print(f"[red]proof does not hold:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    entry = json.loads(bundle["entry"])
    err.print(
        f"entry {entry['seq']:,} ({entry['action']}, {entry['at']}) is in {found.origin} "
        f"at leaf {bundle['leaf_index']:,} of a signed tree of {found.size:,}"
    )


@app.command("witness")
def witness_cmd(
    url: Annotated[str, typer.Argument(help="the platform's base URL, e.g. https://…")],
    file: Annotated[Path, typer.Option(help="the witness file you keep")],
    key: KeyOption = None,
) -> None:
    """Fetch the platform's newest checkpoint, check that it extends the last one in
    FILE (consistency proof), and append it: what an independent auditor runs."""
    base = url.rstrip("/")
    try:
        with httpx.Client(timeout=10) as client:
            trusted = _keys(key) or [
                notes.parse_verifier_key(line)
                for line in client.get(f"{base}/api/v1/audit/verifier-keys").text.split()
            ]
            note = client.get(f"{base}/api/v1/audit/checkpoint").raise_for_status().text
            new = notes.open_checkpoint(note, trusted)
            kept = checkpoints.witnessed(file)
            if kept:
                old = notes.open_checkpoint(kept[-1], trusted)
                answer = client.get(
                    f"{base}/api/v1/audit/proof/consistency",
                    params={"first": old.size, "second": new.size},
                ).raise_for_status()
                path = [base64.b64decode(h) for h in answer.json()["consistency_path"]]
                if not merkle.verify_consistency(old.size, new.size, old.root, new.root, path):
                    err.print(f"[red]the log at {base} no longer extends the kept checkpoint[/]")
                    raise typer.Exit(1)
    except (httpx.HTTPError, notes.NoteError) as exc:
        raise Invalid(f"{base}: {exc}") from None
    checkpoints.witness(note, file)
    err.print(f"witnessed a tree of {new.size:,} from {new.origin}")


@app.command("rotate-key")
def rotate_key() -> None:
    """Sign checkpoints with a new key from now on; the old keys stay published so that
    older checkpoints still verify."""
    with _db().session() as session:
        record = checkpoints.rotate_key(session)
    err.print(f"checkpoints are now signed with key {record['kid']}")


@app.command("export")
def export(
    subject: Annotated[str, typer.Option(help="the person's citizen ID number")],
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.csv,
) -> None:
    """A person's whole history on standard output (e.g. to answer a written request)."""
    try:
        number = parse_citizen_id(subject).number
    except ValueError as exc:
        raise Invalid(f"--subject: {exc}") from None
    with _db().session() as session:
        chunks = tracker.iter_csv(session, number)
        if format is ExportFormat.json:
            chunks = tracker.iter_json(session, number)
        for chunk in chunks:
            sys.stdout.write(chunk)
