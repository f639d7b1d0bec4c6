"""The console's line grammar, shared by the interactive console and ``--script`` transcripts.

::

    alice> /newteam Budget Demystification      a user sends text (commands start with /)
    bob> [file drafts/tor.pdf] ToR draft         a user sends a file, with a caption
    carla> [reply 12] Please expand section 2    a user replies to message #12 they received
    bob> [reply 14] [file v2.pdf] New data       a user's file replies to message #14
    bob> [press Aprovar]                         a user presses the button so labelled
    :clock +3d                                   move the virtual clock (+30m, +2h, +3d, ISO)
    # a comment
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_USER = re.compile(r"^([a-z][a-z0-9_.-]{0,31})>\s?(.*)$", re.IGNORECASE)
_FILE = re.compile(r"^\[file\s+([^\]]+)\]\s*(.*)$")
_REPLY = re.compile(r"^\[reply\s+#?(\d+)\]\s*(.*)$")
_PRESS = re.compile(r"^\[press\s+([^\]]+)\]\s*$")


class ScriptError(Exception):
    """A line the console cannot understand (or act on)."""


@dataclass(frozen=True, slots=True)
class Say:
    """A user sends text or a command."""

    user: str
    text: str


@dataclass(frozen=True, slots=True)
class SendFile:
    """A user sends a file with an optional caption."""

    user: str
    path: str
    caption: str
    reply_to: int | None = None  # the numbered bot message it replies to, if any


@dataclass(frozen=True, slots=True)
class Reply:
    """A user replies to a numbered bot message."""

    user: str
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Press:
    """A user presses a button by its label."""

    user: str
    label: str


@dataclass(frozen=True, slots=True)
class MoveClock:
    """The virtual clock moves."""

    spec: str


Step = Say | SendFile | Reply | Press | MoveClock


def parse_line(line: str) -> Step | None:
    """One line of a transcript; None for blanks and comments; ScriptError when malformed."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith(":clock"):
        spec = stripped[len(":clock"):].strip()
        if not spec:
            raise ScriptError(":clock needs +30m, +2h, +3d or an ISO time")
        return MoveClock(spec)
    match = _USER.match(stripped)
    if match is None:
        raise ScriptError("expected `name> text`, `:clock …` or `# comment`")
    user, rest = match.group(1).lower(), match.group(2).strip()
    if rest.startswith("["):
        return _bracketed(user, rest)
    if not rest:
        raise ScriptError(f"{user} sends nothing")
    return Say(user, rest)


def _bracketed(user: str, rest: str) -> Step:
    if (found := _FILE.match(rest)) is not None:
        return SendFile(user, found.group(1).strip(), found.group(2).strip())
    if (found := _REPLY.match(rest)) is not None:
        text = found.group(2).strip()
        if (file := _FILE.match(text)) is not None:
            return SendFile(user, file.group(1).strip(), file.group(2).strip(),
                            int(found.group(1)))
        return Reply(user, int(found.group(1)), text)
    if (found := _PRESS.match(rest)) is not None:
        return Press(user, found.group(1).strip())
    raise ScriptError("expected [file PATH], [reply N] or [press LABEL]")
