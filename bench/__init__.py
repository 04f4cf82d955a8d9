"""vpabot's benchmarks: ``python -m bench`` (speed) and ``python -m bench.reliability``.

Both drive real ``vpabot serve`` processes from the outside, over signed HTTP on loopback,
with the fake Slack Web API in a process of its own. Not installed; run from the repo root.
"""
