"""The reliability scenarios: each sends what attackers, Slack's retries or careless admins
would, to the ``vpabot serve`` processes of ``world``, and adds one ``Row`` with what came of
it (``python -m bench.reliability`` runs them; tests/bench runs those that fit a test's time).

One method per row, grouped by theme: ``inbound`` (what comes in over HTTP) and ``outages``
(Slack failing, processes killed, two instances), on the shared ``stage``.
"""

from __future__ import annotations

from bench.reliability.inbound import InboundScenarios
from bench.reliability.outages import OutageScenarios


class Scenarios(InboundScenarios, OutageScenarios):
    """Every scenario on one stage: ``Scenarios(quick, workdir)``, then call methods by name."""
