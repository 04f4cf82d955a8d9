"""JSON logs (VPA_LOG_FORMAT=json): one object per line, request fields, nothing personal."""

from __future__ import annotations

import json
import logging

import pytest

from vpabot.bot import logs
from vpabot.bot.config import ConfigError, load_core_settings


def formatted(record_message: str, *args: object) -> dict:
    record = logging.LogRecord("vpabot.test", logging.WARNING, __file__, 1, record_message, args, None)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_line_carries_the_request_fields_inside_a_request_only() -> None:
    with logs.request_context(request_id="trigger-1", user_id="UADMIN1", kind="command"):
        inside = formatted("outbox %s dead: %s", 7, "channel_not_found")
    outside = formatted("sweep done")
    assert inside["message"] == "outbox 7 dead: channel_not_found"
    assert (inside["request_id"], inside["user_id"], inside["kind"]) == ("trigger-1", "UADMIN1", "command")
    assert inside["level"] == "WARNING" and inside["time"].endswith("+00:00")
    assert set(outside) == {"time", "level", "logger", "message"}


def test_only_the_documented_fields_can_be_bound() -> None:
    """A note text or a name has no field to go into."""
    with pytest.raises(TypeError, match="note"):
        with logs.request_context(note="Kunde bemängelt Tippfehler"):
            pass


def test_the_format_is_a_setting_that_is_checked() -> None:
    assert load_core_settings({"VPA_LOG_FORMAT": "json"}).log_format == "json"
    assert load_core_settings({}).log_format == "text"
    with pytest.raises(ConfigError, match="VPA_LOG_FORMAT"):
        load_core_settings({"VPA_LOG_FORMAT": "xml"})


def test_configure_json_writes_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(fmt="json")
        logging.getLogger("vpabot.test").warning("hello %s", "UADMIN1")
        line = capsys.readouterr().err.strip()
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    assert json.loads(line)["message"] == "hello UADMIN1"


def test_configure_twice_keeps_one_handler_and_leaves_others_alone() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    other = logging.NullHandler()
    root.addHandler(other)
    try:
        logs.configure()
        logs.configure(fmt="json")  # again, once the settings were read
        ours = [h for h in root.handlers if h.get_name() == "vpabot"]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.JsonFormatter)
        assert other in root.handlers
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def test_a_database_errors_detail_line_shows_no_row_values(capsys: pytest.CaptureFixture[str]) -> None:
    """Reported: a unique violation on PostgreSQL logged "DETAIL: Key (word,
    assistant_id)=(shuangshuang…, 26) already exists": the server writes the row's values
    into its message, where hide_parameters does not reach. Both formats hide them."""
    detail = ('duplicate key value violates unique constraint "pk"\n'
              "DETAIL:  Key (word, assistant_id)=(mueller, 26) already exists.\n[SQL: INSERT …]")
    try:
        raise RuntimeError(detail)
    except RuntimeError:
        import sys

        info = sys.exc_info()
    for fmt in ("text", "json"):
        logs.configure(fmt=fmt)
        logging.getLogger("vpabot.test").error("inbox row failed: %s", detail, exc_info=info)
        out = capsys.readouterr().err
        assert "mueller" not in out and "DETAIL: [hidden: the row's values]" in out
        assert "duplicate key value" in out and "[SQL: INSERT" in out  # the rest stays readable
    logs.configure()
