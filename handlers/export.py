"""``/export``: a member gets everything the help desk stores about them, as one JSON file in
their private chat.

The file is written to the file store like any other file the bot sends, and goes out as the
attachment of an ordinary outbox message; it is deleted from the store when the member is
forgotten (``/forget``).
"""

from __future__ import annotations

import json

from handlers.messages import Attachment, Context
from handlers.timezones import local_time
from handlers.turn import Turn, phrase

# What the message carrying the file is about, and the file's format (a version, so that a
# program reading exports can tell them apart if the layout ever changes).
EXPORT = "export"
FORMAT = "peerdesk-export/1"


def export_data(turn: Turn, args: str) -> None:
    """``/export``: send the member a JSON file with every record stored about them."""
    if not turn.chat.is_private:
        turn.reply("privacy.private_only", command="/export")
        return
    if args.strip():
        turn.reply("export.usage", value=args.strip())
        return
    document = {"format": FORMAT, "exported_at": turn.now.isoformat(),
                "member_number": turn.sender.id, **turn.uow.privacy.collect(turn.sender.id)}
    content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    files = turn.deps.files
    name = f"peerdesk-export-{local_time(turn.sender.timezone, turn.now):%Y-%m-%d}.json"
    attachment = Attachment(name, len(content), "application/json",
                            files.location(files.keep(content)))
    turn.reply_lines([phrase("export.ready", name=name)], attachments=[attachment],
                     context=Context(EXPORT, turn.sender.id))
