"""The Telegram adapter: python-telegram-bot on one side, the core's neutral messages on the
other. No Telegram type crosses into ``handlers/``."""
