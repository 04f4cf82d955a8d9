"""The access request as a Markdown document the assistant can read (GDPR Art. 15).

Every text comes from ``assistant.export.*`` messages: the catalogue test that keeps
"Abmahnung" out of assistant-facing texts covers them. Free texts typed by the team are
passed on as stored, with two exceptions: an internal step word and a Slack mention or user
ID (another person) are replaced by a plain placeholder, so the document never names the
internal step and never hands out anyone's Slack ID. The Translator escapes ``&``, ``<`` and
``>`` as entities: Markdown viewers show the characters, and never read a note as HTML.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from vpabot.bot.i18n import Translator
from vpabot.bot.labels import status_label
from vpabot.bot.results.access_request import AccessRequest
from vpabot.bot.datefmt import fmt_date, fmt_instant
from vpabot.policy.catalogue import TagCatalogue

P = "assistant.export."
# The internal word of DOMAIN.md rule 5 in its forms: Abmahnung, abmahnen, abgemahnt.
INTERNAL_WORD = re.compile(r"\w*(?:abmahn|abgemahnt)\w*", re.IGNORECASE)
# Slack user IDs, with or without the mention brackets (<@U0ABC123>, U0ABC123, W0ABC123).
SLACK_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|\b[UW][A-Z0-9]{6,}\b")


def render_access_request(
    t: Translator, data: AccessRequest, *, tz: ZoneInfo, tags: TagCatalogue
) -> str:
    """Markdown: title, the person, violations, notes, stops, history, message copies, rights."""
    lang = t.lang

    def day(instant: datetime) -> str:
        return fmt_date(instant.astimezone(tz).date(), lang)

    def plain(text: str | None) -> str:
        text = INTERNAL_WORD.sub(t(P + "redacted"), text or "")
        return SLACK_USER.sub(t(P + "someone"), text).replace("\n", " ").strip() or "–"

    def label(prefix: str, key: str, fallback: str) -> str:
        return t(P + prefix + key) if t.has(P + prefix + key) else t(P + fallback)

    person = data.person
    out = [f"# {t(P + 'title')}", "", t(P + "intro", name=plain(person.name), date=day(data.exported_at))]
    out += ["", f"## {t(P + 'section.person')}", ""]
    out.append(
        t(
            P + "person",
            name=plain(person.name),
            handle=person.handle,
            status=status_label(t, person.status),
            joined=fmt_date(person.joined_on, lang) if person.joined_on else t(P + "unknown"),
            cg=fmt_date(person.cg_accepted_on, lang) if person.cg_accepted_on else t(P + "unknown"),
            slack=t(P + ("yes" if person.has_slack_account else "no")),
        )
    )
    if person.ended_on:
        out.append(t(P + "ended", date=fmt_date(person.ended_on, lang)))

    out += ["", f"## {t(P + 'section.violations')}", "", t(P + "violations.intro"), ""]
    for v in data.violations:
        step = "severe" if v.severe or v.step is None else str(v.step)
        out.append(
            t(
                P + "violation",
                date=day(v.logged_at),
                tag=tags.get(v.tag).label,
                source=label("source.", v.source, "source.sonstiges"),
                step=t(P + f"step.{step}"),
                state=label("state.", v.state, "state.recorded"),
                note=plain(v.note),
            )
        )
        if v.decision_reason:
            out.append(t(P + "decision", reason=plain(v.decision_reason)))
        if v.communicated_at:
            out.append(t(P + "communicated", date=day(v.communicated_at)))
    if not data.violations:
        out.append(t(P + "none"))

    out += ["", f"## {t(P + 'section.notes')}", "", t(P + "notes.intro"), ""]
    for n in data.notes:
        kind = label("note_kind.", n.kind, "note_kind.note")
        out.append(t(P + "note", date=day(n.created_at), kind=kind, text=plain(n.text)))
    if not data.notes:
        out.append(t(P + "none"))

    out += ["", f"## {t(P + 'section.stops')}", "", t(P + "stops.intro"), ""]
    for s in data.stops:
        out.append(
            t(
                P + ("stop" if s.until else "stop.open_ended"),
                since=fmt_date(s.starts_on, lang),
                until=fmt_date(s.until, lang),
                meaning=label("stop.meaning.", s.kind, "stop.meaning.voll"),
                reason=label("stop.reason.", s.reason, "stop.reason.sonstiges"),
            )
        )
        if s.note.strip():
            out.append(t(P + "stop.note", note=plain(s.note)))
        if s.lifted_at:
            out.append(t(P + "stop.lifted", date=day(s.lifted_at), note=plain(s.lift_note)))
    if not data.stops:
        out.append(t(P + "none"))

    out += ["", f"## {t(P + 'section.events')}", "", t(P + "events.intro"), ""]
    for e in data.events:
        at = fmt_instant(e.at.astimezone(tz), lang)
        out.append(t(P + "event", at=at, action=label("action.", e.action, "action.other")))

    out += ["", f"## {t(P + 'section.messages')}", "", t(P + "messages.intro"), ""]
    for m in data.messages:
        at = fmt_instant(m.created_at.astimezone(tz), lang)
        out.append(t(P + "message", at=at, purpose=label("purpose.", m.purpose, "purpose.other")))
    if not data.messages:
        out.append(t(P + "none"))

    out += ["", f"## {t(P + 'section.rights')}", "", t(P + "rights"), ""]
    return "\n".join(out)
