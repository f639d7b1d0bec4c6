"""The Slack adapter: Slack's events, commands and button presses in, messages out."""
