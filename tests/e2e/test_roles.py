"""Admins and managers from Slack user groups, beside the ID lists."""

from __future__ import annotations

import time

from vpabot.bot.config import load_settings
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render

NEW_ADMIN = "UNEWADMIN"


def say(bot: BotUnderTest, text: str, user: str) -> str:
    ack, key = bot.slack.command(text, user=user)
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def test_a_member_of_the_admin_group_is_an_admin_until_slack_says_they_left(db_url: str) -> None:
    with BotUnderTest(db_url, admin_group="vpa-admins") as bot:
        assert "nur das Admin-Team" in say(bot, "stops", NEW_ADMIN)
        bot.fake.usergroups = {"SADMINS": {"handle": "vpa-admins", "users": [NEW_ADMIN]}}
        bot.runtime.refresh_roles()
        assert "angelegt" in say(bot, "assistent neu anna.m Anna Müller", NEW_ADMIN)

        mine = lambda c: c.args.get("user_id") == NEW_ADMIN  # noqa: E731
        time.sleep(bot.runtime.runner.home.min_interval + 0.5)  # the Home render after their write is out
        before = len([c for c in bot.fake.calls_to("views.publish") if mine(c)])
        bot.fake.usergroups["SADMINS"]["users"] = []
        assert bot.slack.event({"type": "subteam_members_changed", "subteam_id": "SADMINS",
                                "removed_users": [NEW_ADMIN]}).status == 200
        deadline = time.monotonic() + 5
        while bot.settings.is_admin(NEW_ADMIN) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "nur das Admin-Team" in say(bot, "stops", NEW_ADMIN)
        # ...and the Home they last saw, with names and cases, is replaced at once
        published = bot.fake.wait_for("views.publish", before + 1, predicate=mine, timeout=10)
        assert "Anna Müller" not in render(published[-1].args["view"])


def test_the_id_lists_keep_working_beside_a_group(db_url: str) -> None:
    with BotUnderTest(db_url, manager_group="S0MANAGERS") as bot:
        bot.fake.usergroups = {"S0MANAGERS": {"handle": "vpa-manager", "users": ["UMGR2"]}}
        bot.runtime.refresh_roles()
        assert bot.settings.is_manager("UMGR2") and bot.settings.is_manager("UMANAGER1")
        assert bot.settings.managers() == {"UMGR2", "UMANAGER1"}


def test_a_group_may_stand_in_for_the_id_list() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "VPA_TEAM_CHANNEL": "C1",
        "VPA_ADMIN_GROUP": "@vpa-admins", "VPA_MANAGER_IDS": "U2",
    }
    settings = load_settings(env)
    assert settings.admin_ids == frozenset() and settings.groups == {"admin": "@vpa-admins"}


def test_a_group_change_reaches_the_worker_beside_a_web_process(db_url: str) -> None:
    """Slack tells the web process; the worker checks roles too (an approval by a new
    manager, the Homes it renders), so the change reaches it through the inbox."""
    from dataclasses import replace

    from vpabot.bot.group_members import GroupMembers
    from vpabot.bot.runtime import Runtime

    new_manager = "UNEWMGR"
    with BotUnderTest(db_url, role="web", manager_group="vpa-manager") as bot:
        bot.fake.usergroups = {"SMGR": {"handle": "vpa-manager", "users": []}}
        bot.runtime.refresh_roles()
        # Another process: its own memory of the groups, read once at its start.
        worker = Runtime(replace(bot.settings, group_members=GroupMembers()), role="worker")
        try:
            assert not worker.settings.is_manager(new_manager)
            bot.fake.usergroups["SMGR"]["users"] = [new_manager]
            event = {"type": "subteam_members_changed", "subteam_id": "SMGR", "added_users": [new_manager]}
            assert bot.slack.event(event).status == 200
            deadline = time.monotonic() + 10
            while not worker.settings.is_manager(new_manager) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert worker.settings.is_manager(new_manager) and bot.settings.is_manager(new_manager)
            # ...and the worker re-renders the new manager's Home as a manager's
            published = bot.fake.wait_for(
                "views.publish", predicate=lambda c: c.args.get("user_id") == new_manager, timeout=10
            )
            assert published
        finally:
            worker.stop()


def test_a_web_process_re_reads_the_groups_on_its_own(db_url: str) -> None:
    """A change Slack sends no event for reaches every process within the refresh interval,
    the web process's included (it checks roles before every ack)."""
    with BotUnderTest(db_url, role="web", admin_group="vpa-admins") as bot:
        bot.runtime.start_jobs()
        assert bot.runtime.scheduler is not None
        assert [job.id for job in bot.runtime.scheduler.get_jobs()] == ["roles"]
