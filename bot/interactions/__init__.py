"""The mechanism every command, click, form and event goes through.

``registry`` declares per command who may use it, whether it writes (then it is claimed once
in the durable inbox before the ack) and how its answer is addressed; the shell
(``bot/listeners/shell.py``, the Bolt listeners above this package) parses, authorises and
acks; ``runner`` does the work after the ack, bounded, and sends the reply.
"""
