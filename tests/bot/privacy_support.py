"""Shared pieces of the data-protection tests: a full file about one assistant (Anna) beside a
bystander (Bert), and a scan of every table for personal text.

The scan reflects EVERY text and JSON column of EVERY table in the database (not the models), so
tables added later are scanned too, for the name, the handle, the Slack ID and every free text.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, select

from vpabot.bot.context import AppContext
from vpabot.bot.services.approvals import decide
from vpabot.bot.services.consultations import answer_question, ask_manager
from vpabot.bot.services.files import open_file
from vpabot.bot.services.roster import import_assistants
from vpabot.bot.services.stops import lift_stop, resign, set_stop
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.stops import StopKind
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Violation
from vpabot.storage.outbox_claim import Claimed, claim_next
from vpabot.storage.outbox_settle import mark_sent
from vpabot.bot.testing.harness import ADMIN, MANAGER


ROSTER = (
    "handle,name,slack_id,joined_on,status,cg_accepted_on\n"
    "anna.m,Anna Müller,U0ANNA1,2026-03-01,aktiv,2026-10-01\n"
    "bert.k,Bert Klein,U0BERT1,2026-04-01,aktiv,2026-10-02\n"
)
FREE_TEXTS = [
    "Angebot für die Kundin zu spät geschickt",
    "Tippfehler im Bericht an die Firma Holz & Co",
    "Dritte Beschwerde über <Rechtschreibung>",
    "Kundin hat sich im Datum geirrt",
    "Headset rauscht beim Videocall stark",
    "Soll Anna trotz Urlaub einen VT-Stop bekommen?",
    "Ja, aber bitte nur eine Woche",
    "Pause für Neukunden nach Beschwerden",
    "Leistung wieder stabil, geprüft mit Dashlets",
]
PERSONAL = ["Anna Müller", "anna.m", "U0ANNA1", "Müller", *FREE_TEXTS]
BERT_NOTE = "Bert vergaß die Deadline beim Kunden"


def full_file(ctx: AppContext) -> AppContext:
    """Anna: every kind of row the bot writes about an assistant; Bert: a bystander."""
    import_assistants(ctx, ROSTER)
    deadline, quality = DEFAULT_TAGS.parse("deadline"), DEFAULT_TAGS.parse("qualitaet")
    for note, tag in zip(FREE_TEXTS[:3], (deadline, quality, quality), strict=True):
        log_violation(
            ctx,
            actor=ADMIN,
            handle="anna.m",
            source=Source.COMPLAINT,
            tag=tag,
            severe=False,
            note=note,
        )
    with ctx.sessions() as session:
        third = session.scalars(select(Violation.id).where(Violation.step == 3)).one()
    decide(ctx, actor=MANAGER, violation_id=third, approve=False, reason=FREE_TEXTS[3])
    add_note(ctx, actor=ADMIN, handle="anna.m", text=FREE_TEXTS[4])
    asked = ask_manager(ctx, actor=ADMIN, handle="anna.m", question=FREE_TEXTS[5])
    answer_question(ctx, actor=MANAGER, question_id=asked.question_id, answer=FREE_TEXTS[6])
    set_stop(
        ctx,
        actor=ADMIN,
        handle="anna.m",
        kind=StopKind.CUSTOMERS,
        until=date(2026, 12, 10),
        note=FREE_TEXTS[7],
    )
    lift_stop(ctx, actor=ADMIN, handle="anna.m", note=FREE_TEXTS[8])
    open_file(ctx, actor=ADMIN, handle="anna.m")
    resign(ctx, actor=ADMIN, handle="anna.m")

    log_violation(
        ctx,
        actor=ADMIN,
        handle="bert.k",
        source=Source.COMPLAINT,
        tag=deadline,
        severe=False,
        note=BERT_NOTE,
    )
    with session_scope(ctx.sessions) as session:
        # A message about several assistants (a digest): not linked to Anna's rows by id.
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={
                "channel": "CADMINS",
                "text": "CG fällig: *Anna Müller* (`anna.m`), *Bert Klein* (`bert.k`)",
            },
            purpose="cg_digest",
            now=ctx.now(),
        )
    # Some messages went out already, the rest is still pending.
    send_all(ctx, now=ctx.now(), limit=4)
    return ctx


def send_all(ctx: AppContext, *, now: datetime, limit: int | None = None) -> list[Claimed]:
    """Claim and mark sent, oldest first, as the dispatcher would; returns what was claimed."""
    sent: list[Claimed] = []
    while (limit is None or len(sent) < limit) and (claimed := claim_next(ctx.sessions, now=now, wall=now)):
        mark_sent(ctx.sessions, claimed, now=now, channel="D1", ts=f"1.{claimed.id}")
        sent.append(claimed)
    return sent


def database_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that exists in the database (reflected, not from the models)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            name: [dict(row._mapping) for row in conn.execute(select(table))]
            for name, table in metadata.tables.items()
        }


def as_text(value: Any) -> str:
    """A column value as readable text: JSON decoded (no \\u escapes), everything else str()."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, default=str)


def leaks(engine: Engine, secrets: list[str]) -> list[str]:
    """Every ``table.column: secret`` where a secret still stands, case-insensitively."""
    found = []
    for table, rows in database_rows(engine).items():
        for row in rows:
            for column, value in row.items():
                text = as_text(value).lower()
                found += [f"{table}.{column}: {s!r}" for s in secrets if s.lower() in text]
    return found
