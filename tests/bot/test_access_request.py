"""``vpabot export assistant <handle> --for-assistant``: the GDPR Art. 15 answer an assistant reads.

The admins' JSON export carries internal words ("Abmahnung" in the stored copies of the
approval requests) and Slack IDs; the document for the assistant must carry neither, and
still say in plain words everything stored about the person.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.bot.privacy_support import FREE_TEXTS, full_file
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.mrkdwn import escape
from vpabot.bot.services.violations import add_note
from vpabot.bot.testing.harness import ADMIN, MANAGER
from vpabot.storage.models import AuditEvent

INTERNAL_WORD = re.compile(r"abmahn|abgemahnt", re.IGNORECASE)
SLACK_USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")
TRAP = "Abmahnung mit <@U0BERT1> und U0MANAGER9 besprochen"


@pytest.fixture
def anna(ctx: AppContext, db_url: str, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("VPA_LANGUAGE", raising=False)
    full_file(ctx)
    # A free text that itself uses the internal word and names other people by Slack ID.
    add_note(ctx, actor=ADMIN, handle="anna.m", text=TRAP)
    return ctx


def export(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["export", "assistant", "anna.m", *extra]) == 0
    return capsys.readouterr().out


def test_the_admins_export_has_what_the_assistant_must_not_read(
    anna: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = export(capsys)
    assert INTERNAL_WORD.search(raw)  # stored copies of the approval request
    assert ADMIN in raw and MANAGER in raw and "U0ANNA1" in raw


def test_the_document_never_says_abmahnung_nor_any_slack_id(
    anna: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    text = export(capsys, "--for-assistant")
    assert not INTERNAL_WORD.search(text)
    assert not SLACK_USER_ID.search(text), SLACK_USER_ID.findall(text)
    assert "[interne Bezeichnung] mit [jemand aus dem Team] und [jemand aus dem Team] besprochen" in text


def test_the_document_says_in_german_what_is_stored(
    anna: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    text = export(capsys, "--for-assistant")
    assert text.startswith("# Auskunft über deine gespeicherten Daten\n")
    assert "Hallo Anna Müller," in text and "Art. 15 DSGVO" in text
    assert "- Status: gekündigt" in text and "- Dabei seit: 01.03.2026" in text
    assert "- Community Guidelines zuletzt bestätigt am: 01.10.2026" in text
    # every free text about her is there (the rejected step-3 case in plain words); & < > as
    # entities, which Markdown shows as the characters and never reads as HTML
    assert all(escape(free) in text for free in FREE_TEXTS)
    assert "Holz &amp; Co" in text
    assert "letzter Hinweis vor dem Ende der Zusammenarbeit · nicht bestätigt, zählt nicht" in text
    assert "aufgefallen durch: Beschwerde eines Kunden" in text
    assert "keine neuen Kunden, einzelne zusätzliche Aufgaben möglich" in text
    assert "Ankündigung eines VT-Stops an das Team" in text  # a stored message, by occasion
    assert "Übersicht offener Bestätigungen der Community Guidelines" in text  # names her too
    assert "- seit 26.11.2026, ohne Enddatum: keine neuen Kunden und keine neuen Aufgaben" in text
    for heading in ("Hinweise zu den Community Guidelines", "Notizen des Teams", "Verlauf"):
        assert f"\n## {heading}\n" in text
    # internal codes and JSON keys do not leak into the plain words
    for code in ("awaiting_approval", "gekuendigt", "stop_announcement", '"', "{"):
        assert code not in text


def test_the_export_is_audited_and_written_to_a_file(
    anna: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "auskunft.md"
    assert main(["export", "assistant", "anna.m", "--for-assistant", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Auskunft")
    with anna.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and last.action == "assistant.exported"
    assert last.after == {"for": "assistant"}


def test_english_when_configured(
    anna: AppContext, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPA_LANGUAGE", "en")
    text = export(capsys, "--for-assistant")
    assert text.startswith("# What we store about you\n")
    assert "- With us since: Mar 1, 2026" in text
    assert not INTERNAL_WORD.search(text) and not SLACK_USER_ID.search(text)
    json.dumps(text)  # plain text, nothing exotic
