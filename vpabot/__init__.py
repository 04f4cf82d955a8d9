"""vpabot: Community Guidelines and sales stops for a virtual-assistant agency, in Slack."""

__version__ = "0.1.0"
