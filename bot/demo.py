"""``vpabot demo``: a scripted stretch of the admin team's work, against a local fake Slack.

Everything real runs: signed HTTP requests into the Bolt app served by waitress, the
database (a fresh SQLite file unless told otherwise), the outbox, the review sweep, and Web
API calls to a fake Slack that records what it was sent. Nothing leaves this machine.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from vpabot.bot.workdays import holiday_calendar
from vpabot.policy.clock import SettableClock
from vpabot.policy.dates import at_local_time, is_working_day
from vpabot.storage.models import InboundRequest, InboxState
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render

PEOPLE = {
    ADMIN: "Alex (Admin)",
    ADMIN_2: "Kim (Admin)",
    MANAGER: "Maria (VPA Manager)",
    TEAM_CHANNEL: "#team",
}


class Scenario:
    """Types commands and clicks buttons like people do, and prints what they see."""

    def __init__(self, bot: BotUnderTest, clock: SettableClock) -> None:
        self.bot, self.clock = bot, clock
        self.seen = 0

    def heading(self, text: str) -> None:
        print(f"\n━━ {text}")

    def show(self, who: str, payload: dict[str, Any]) -> None:
        print(f"   {who} sieht:")
        print(textwrap.indent(render(payload, PEOPLE), "   │ "))

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until every acknowledged request is done before the clock jumps.

        Real time never leaps three minutes in an instant; the demo's clock does. A request
        still running at the leap would look abandoned (its lease is counted on that clock)
        and be taken over a second time, so the script only moves time when the bot is idle.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.bot.runtime.ctx.read() as session:
                busy = session.scalar(
                    select(func.count())
                    .select_from(InboundRequest)
                    .where(InboundRequest.state != InboxState.DONE)
                )
            if not busy:
                return
            time.sleep(0.05)

    def type(self, user: str, text: str, title: str) -> None:
        self.settle()
        self.clock.advance(timedelta(minutes=3))  # a working day goes by, not a frozen instant
        self.heading(title)
        print(f"   {PEOPLE[user]} tippt: /vpa {text}")
        ack, key = self.bot.slack.command(text, user=user)
        if ack.status != 200:
            raise RuntimeError(f"Slack would have shown an error: HTTP {ack.status} {ack.body}")
        self.show(PEOPLE[user], ack.json() if ack.body else self.bot.slack.reply(key).args)
        self.deliver()

    def click(self, user: str, label: str, action_id: str, value: str, title: str) -> None:
        self.heading(title)
        print(f"   {PEOPLE[user]} klickt: [{label}]")
        _ack, key = self.bot.slack.click(action_id, value, user=user)
        time.sleep(0.3)  # the click's work runs right after Slack's ack
        for answer in self.bot.fake.calls_to("response_url"):
            if answer.args.get("_key") == key:
                self.show(PEOPLE[user], answer.args)
        self.deliver()

    def deliver(self) -> None:
        """Send what the outbox holds and print every message people receive."""
        # What each message said before this round: an update names the message it replaces
        # (a manager's request and its reminder are both updated with the decision).
        before = {
            m.get("ts"): first_line(m)
            for where in PEOPLE
            for m in self.bot.fake.messages(where)
        }
        self.bot.dispatch_outbox()
        calls = [c for c in self.bot.fake.calls if c.method in ("chat.postMessage", "chat.update")]
        for call in calls[self.seen :]:
            where = call.args.get("channel", "")
            who = PEOPLE.get(where, PEOPLE.get(where.removeprefix("D"), where))
            kind = "Nachricht"
            if call.method == "chat.update":
                was = before.get(call.args.get("ts"))
                kind = f"Nachricht aktualisiert (vorher: „{was}“)" if was else "Nachricht aktualisiert"
            if call.args.get("thread_ts"):  # a follow-up under the first message of its story
                kind = "Antwort im Thread, auch im Channel gezeigt," if call.args.get("reply_broadcast") else "Antwort im Thread"
            print(f"   ✉ {kind} an {who}:")
            print(textwrap.indent(render(call.args, PEOPLE), "   │ "))
        self.seen = len(calls)

    def button(self, user: str, action_id: str) -> str:
        """The value of the newest button with this action id in a message to ``user``."""
        for call in reversed(self.bot.fake.calls_to("chat.postMessage")):
            if call.args.get("channel") != user:
                continue
            for block in call.args.get("blocks", []):
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("action_id") == action_id:
                        return str(element["value"])
        raise LookupError(f"no {action_id} button for {user}")


def first_line(message: dict) -> str:
    """The start of a message as a reader recognises it: its first line, without emoji."""
    line = render(message, PEOPLE).splitlines()[0] if message else ""
    line = re.sub(r":[a-z_]+: ?", "", line).replace("*", "")
    return textwrap.shorten(line, 60, placeholder=" …")


def _script(s: Scenario) -> None:
    s.type(ADMIN, "assistent neu anna.m Anna Müller", "Alex legt eine neue Assistentin an")
    s.type(ADMIN, "verstoss anna.m deadline deadline Angebot für Kunde Weber 2 Tage zu spät", "Erster Verstoß: Deadline verpasst")
    s.type(ADMIN_2, "verstoss anna.m beschwerde qualitaet Kunde bemängelt viele Tippfehler im Newsletter", "Zweiter Verstoß: Kundenbeschwerde")
    s.type(ADMIN, "verstoss anna.m response erreichbarkeit Antwortzeit im Dashlet seit zwei Wochen über 24 h", "Dritter Verstoß: schlecht erreichbar")
    s.click(MANAGER, "Freigeben", "approval_approve", s.button(MANAGER, "approval_approve"), "Maria gibt die Abmahnung frei")
    s.click(ADMIN, "Mitgeteilt", "communicated", s.button(ADMIN, "communicated"), "Alex hat mit Anna gesprochen")
    s.type(ADMIN, "stop anna.m voll 14 Tage verstoss Zeit zum Neuorganisieren", "Alex setzt einen VT-Stop")
    s.type(ADMIN, "verstoss anna.m kontakt technik Videocall aus dem Café, kein Headset, Verbindung bricht ab", "Vierter Verstoß: Video-Call ohne Headset")
    s.type(ADMIN_2, "notiz anna.m Hat sich entschuldigt und will Kapazitäten reduzieren", "Eine Beobachtung, kein Verstoß")
    s.type(ADMIN, "akte ana.m", "Ein Tippfehler im Handle")
    s.type(ADMIN, "assistent neu ben.k Ben Krüger", "Zweiter Assistent")
    s.type(ADMIN_2, "verstoss ben.k beschwerde eigenwerbung Hat Kunden seine eigene Agentur-Website geschickt", "Gravierender Verstoß: Eigenwerbung")
    s.type(ADMIN, "stops", "Welche VT-Stops laufen?")

    s.settle()
    s.clock.advance(timedelta(days=STOP_DAYS))
    s.heading("Zwei Wochen später, 9:00 Uhr: der VT-Stop endet heute")
    s.bot.runtime.sweep()
    s.deliver()
    s.type(ADMIN, "aufheben anna.m Antwortzeiten seit einer Woche wieder im Ziel", "Alex prüft die Performance und hebt den Stop auf")

    s.click(MANAGER, "Freigeben", "approval_approve", s.button(MANAGER, "approval_approve"), "Maria beendet die Zusammenarbeit mit Ben")
    s.type(ADMIN, "akte anna.m", "Akte von Anna öffnen")
    s.type(ADMIN, "akte ben.k", "Akte von Ben öffnen")


STOP_DAYS = 14  # the script's "stop anna.m voll 14 Tage": the review comes 14 days later


def demo_start(today: date) -> datetime:
    """09:00 in Berlin on the next Monday after ``today`` whose review day is a working day.

    The script sets a 14-day stop and then jumps to its end: started on a Saturday that end
    would be a Saturday and no review would be sent. A Monday start, with both Mondays clear
    of public holidays (Ostermontag, Pfingstmontag), always shows the review and its buttons.
    """
    calendar = holiday_calendar(None)
    day = today + timedelta(days=1)
    while not (
        day.weekday() == 0
        and is_working_day(day, holidays=calendar)
        and is_working_day(day + timedelta(days=STOP_DAYS), holidays=calendar)
    ):
        day += timedelta(days=1)
    return at_local_time(day, dt_time(9, 0), "Europe/Berlin")


def run_demo(
    *, database_url: str | None = None, language: str = "de", today: date | None = None
) -> int:
    """Play the script and print what everyone sees; ``today`` (default: the real date)
    only picks the Monday the demo's clock starts on."""
    with tempfile.TemporaryDirectory(prefix="vpabot-demo-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        clock = SettableClock(demo_start(today or datetime.now(timezone.utc).date()))
        with BotUnderTest(url, clock=clock, language=language) as bot:
            print("vpabot demo – das Admin-Team bei der Arbeit (lokales Fake-Slack, nichts verlässt den Rechner)")
            print(f"Datenbank: {url}")
            _script(Scenario(bot, clock))
        print("\nDemo beendet.")
    return 0

