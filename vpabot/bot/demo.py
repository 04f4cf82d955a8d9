"""``vpabot demo``: a scripted day of the admin team, against a local fake Slack.

Everything real runs: signed HTTP requests into the Bolt app served by waitress, the
database (a fresh SQLite file unless told otherwise), the outbox, and Web API calls to a
fake Slack that records what it was sent. Nothing leaves this machine.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from vpabot.testing.harness import ADMIN, ADMIN_2, MANAGER, BotUnderTest
from vpabot.testing.transcript import render

PEOPLE = {ADMIN: "Alex (Admin)", ADMIN_2: "Kim (Admin)", MANAGER: "Maria (VPA Manager)"}

SCRIPT_DE = [
    ("Alex legt eine neue Assistentin an", ADMIN, "assistent neu anna.m Anna Müller"),
    ("Erster Verstoß: Deadline verpasst", ADMIN, "verstoss anna.m deadline deadline Angebot für Kunde Weber 2 Tage zu spät"),
    ("Zweiter Verstoß: Kundenbeschwerde", ADMIN_2, "verstoss anna.m beschwerde qualitaet Kunde bemängelt viele Tippfehler im Newsletter"),
    ("Dritter Verstoß: schlecht erreichbar", ADMIN, "verstoss anna.m response erreichbarkeit Antwortzeit im Dashlet seit zwei Wochen über 24 h"),
    ("Vierter Verstoß: Video-Call ohne Headset", ADMIN, "verstoss anna.m kontakt technik Videocall aus dem Café, kein Headset, Verbindung bricht ab"),
    ("Eine Beobachtung, kein Verstoß", ADMIN_2, "notiz anna.m Hat sich für die Verspätungen entschuldigt und will Kapazitäten reduzieren"),
    ("Ein Tippfehler im Handle", ADMIN, "akte ana.m"),
    ("Zweiter Assistent", ADMIN, "assistent neu ben.k Ben Krüger"),
    ("Gravierender Verstoß: Eigenwerbung", ADMIN_2, "verstoss ben.k beschwerde eigenwerbung Hat Kunden seine eigene Agentur-Website geschickt"),
    ("Akte von Anna öffnen", ADMIN, "akte anna.m"),
    ("Akte von Ben öffnen", ADMIN, "akte ben.k"),
]


def _print_block(title: str, body: str) -> None:
    print(f"\n━━ {title}")
    print(textwrap.indent(body.strip(), "   "))


def run_demo(*, database_url: str | None = None, language: str = "de") -> int:
    with tempfile.TemporaryDirectory(prefix="vpabot-demo-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        with BotUnderTest(url, language=language) as bot:
            print("vpabot demo – ein Tag im Admin-Team (lokales Fake-Slack, nichts verlässt den Rechner)")
            print(f"Datenbank: {url}")
            for title, user, text in SCRIPT_DE:
                ack, key = bot.slack.command(text, user=user)
                if ack.status != 200:
                    print(f"FEHLER: {ack.status} {ack.body}")
                    return 1
                _print_block(f"{title}\n   {PEOPLE[user]} tippt: /vpa {text}", "")
                answer = ack.json() if ack.body else None
                if answer is None:
                    answer = bot.slack.reply(key).args
                print(textwrap.indent(render(answer, PEOPLE), "   │ "))
            bot.dispatch_outbox()
            dms = [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == MANAGER]
            for call in dms:
                _print_block(f"Direktnachricht an {PEOPLE[MANAGER]}", "")
                print(textwrap.indent(render(call.args, PEOPLE), "   │ "))
        print("\nDemo beendet.")
    return 0
