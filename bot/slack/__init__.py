"""The Slack adapter: slack_sdk and slack-bolt on one side, the core's neutral messages on the
other. No Slack type crosses into ``handlers/``."""
