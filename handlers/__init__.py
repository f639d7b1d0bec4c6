"""The help desk itself: platform-neutral use cases, the router and the bot's own words.

Nothing in this package imports a chat platform, SQL or translation library; it talks to the
world through the protocols in :mod:`handlers.ports`.
"""
