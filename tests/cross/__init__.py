"""One team across Telegram, Slack and the console, through the real adapters."""
