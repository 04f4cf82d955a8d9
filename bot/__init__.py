"""vpabot's Slack layer: the Bolt app, listeners, Block Kit builders, texts, CLI, jobs."""
