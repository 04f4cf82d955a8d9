"""Erase reaches mentions in OTHER assistants' files (issue 10, item 10).

Before: after ``vpabot erase assistant zq.x --yes`` another assistant's note "erwähnt Zacharias
Quellenbaum …" kept the name (only its audit copy was pseudonymised).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, MetaData, select

from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.assistants import add_assistant
from vpabot.bot.services.consultations import answer_question, ask_manager
from vpabot.bot.services.stops import set_stop
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.bot.testing.harness import ADMIN, MANAGER
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.stops import StopKind
from vpabot.storage.models import Assistant, Note, SalesStop, Violation

NAME = "Zacharias Quellenbaum"


def _everything(engine: Engine) -> str:
    """Every value of every table, as one text (reflected: tables added later count too)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(
            repr(value)
            for table in meta.sorted_tables
            for row in conn.execute(select(table))
            for value in row
        )


def test_erase_replaces_the_name_in_other_assistants_files(
    ctx: AppContext, migrated_engine: Engine, monkeypatch: Any
) -> None:
    zq = add_assistant(ctx, actor=ADMIN, handle="zq.x", name=NAME)
    add_assistant(ctx, actor=ADMIN, handle="lena.k", name="Lena Kraus")
    add_note(ctx, actor=ADMIN, handle="lena.k", text=f"erwähnt {NAME} als Vertretung im Projekt")
    log_violation(
        ctx, actor=ADMIN, handle="lena.k", source=Source.CONTACT, tag=DEFAULT_TAGS.parse("kommunikation"),
        severe=False, note="hat Kundendaten an zq.x weitergegeben",
    )  # fmt: skip
    asked = ask_manager(ctx, actor=ADMIN, handle="lena.k", question=f"Darf {NAME} Lena vertreten?")
    answer_question(ctx, actor=MANAGER, question_id=asked.question_id, answer=f"Ja, {NAME} darf.")
    set_stop(
        ctx, actor=ADMIN, handle="lena.k", kind=StopKind.FULL, until=date(2026, 12, 10),
        note=f"Übergabe an {NAME}",
    )  # fmt: skip
    assert "Quellenbaum" in _everything(migrated_engine)

    monkeypatch.setenv(
        "DATABASE_URL", str(migrated_engine.url.render_as_string(hide_password=False))
    )
    assert main(["erase", "assistant", "zq.x", "--yes"]) == 0

    everything = _everything(migrated_engine)
    assert "Quellenbaum" not in everything and "zq.x" not in everything
    pseudonym = f"Gelöscht #{zq.id}"
    with ctx.sessions() as session:
        lena = session.scalars(select(Assistant).where(Assistant.handle == "lena.k")).one()
        texts = sorted(session.scalars(select(Note.text).where(Note.assistant_id == lena.id)))
        assert texts == sorted(
            [
                f"erwähnt {pseudonym} als Vertretung im Projekt",
                f"Darf {pseudonym} Lena vertreten?",
                f"Ja, {pseudonym} darf.",
            ]
        )
        (note,) = session.scalars(select(Violation.note).where(Violation.assistant_id == lena.id))
        assert note == f"hat Kundendaten an geloescht-{zq.id} weitergegeben"
        (stop_note,) = session.scalars(
            select(SalesStop.note).where(SalesStop.assistant_id == lena.id)
        )
        assert stop_note == f"Übergabe an {pseudonym}"
        assert lena.name == "Lena Kraus"  # the bystander keeps everything else
