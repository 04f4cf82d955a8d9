"""The one way vpabot meets Slack: every command, click, form and event enters here.

``registry`` declares per command who may use it, whether it writes (then it is claimed once
in the durable inbox before the ack) and how its answer is addressed; ``shell`` parses,
authorises and acks; ``runner`` does the work after the ack, bounded, and sends the reply.
"""
