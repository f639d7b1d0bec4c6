"""The App Home tab: a person's home page (``handlers.home``) as a Block Kit home view,
published with ``views.publish`` each time they open the tab.

Each section is a header (plain text, at most :data:`HEADER_LIMIT` characters), its lines as
escaped mrkdwn in section blocks of at most :data:`SECTION_LIMIT` characters, and its buttons as
the same ``actions`` blocks messages have (``value`` the core's button data, ``action_id``
``peerdesk:<row>:<column>`` with rows counted over the whole view), so a press comes back like
any other button press (``bot.slack.inbound`` answers it in the person's direct messages with
the bot). Sections are set apart by dividers; a context block closes
the page. A page over Slack's :data:`BLOCKS_LIMIT` blocks is cut, and says so.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.slack.channel import actions
from bot.slack.text import escape, split_plain
from handlers.catalogue import Catalogue
from handlers.home import HomePage
from handlers.messages import Button

log = logging.getLogger(__name__)

HEADER_LIMIT = 150
SECTION_LIMIT = 3_000
BLOCKS_LIMIT = 100
CUT = "…"

Block = dict[str, Any]


def home_view(page: HomePage, catalogue: Catalogue) -> dict[str, Any]:
    """The ``home`` view showing a page in its language, within Slack's limits."""
    language = page.language
    blocks: list[Block] = []
    rows = 0  # button rows so far: each row's action_ids stay unique in the whole view
    for number, section in enumerate(page.sections):
        if number:
            blocks.append({"type": "divider"})
        blocks.append(_header(catalogue.render(section.title, language)))
        text = catalogue.render_lines(section.lines, language)
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": escape(piece),
                                                "verbatim": True}}
                   for piece in split_plain(text, SECTION_LIMIT) if piece.strip()]
        buttons = [[(_label(button, catalogue, page), button.data) for button in row]
                   for row in section.buttons if row]
        blocks += actions([[] for _ in range(rows)] + buttons)  # empty rows: no block
        rows += len(buttons)
    footer = _context(catalogue.render(page.footer, language))
    if len(blocks) + 1 > BLOCKS_LIMIT:
        blocks = blocks[:BLOCKS_LIMIT - 2]
        while blocks and blocks[-1]["type"] in ("divider", "header"):
            blocks.pop()  # no title or rule left without what it announces
        blocks.append(_context(CUT))
    return {"type": "home", "blocks": [*blocks, footer]}


def _header(text: str) -> Block:
    """A header block: plain text (Slack shows it as typed), cut to :data:`HEADER_LIMIT`."""
    flat = " ".join(text.split()) or CUT
    if len(flat) > HEADER_LIMIT:
        flat = flat[:HEADER_LIMIT - 1].rstrip() + CUT
    return {"type": "header", "text": {"type": "plain_text", "text": flat, "emoji": True}}


def _context(text: str) -> Block:
    """A context block with one escaped mrkdwn text."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(text),
                                             "verbatim": True}]}


def _label(button: Button, catalogue: Catalogue, page: HomePage) -> str:
    """A button's label: its phrase in the page's language, or its literal label."""
    if button.phrase is not None:
        return catalogue.render(button.phrase, page.language)
    return button.label or button.data


async def publish_home(client: AsyncWebClient, app: App, identity: str, user_id: str, *,
                       command: str = "/peerdesk", locale: str | None = None) -> None:
    """Build ``identity``'s home page and publish it as ``user_id``'s App Home tab.

    ``command`` is the slash command commands are typed with (``[slack] command``); ``locale``
    (from users.info, if known) picks the welcome's language for someone new. Nothing is
    raised: a failure (Slack's refusal, a 429, a 5xx, the database) is logged, and the tab is
    drawn again the next time it is opened.
    """
    try:
        page = await app.home(identity, f"{command} ", locale)
        view = home_view(page, app.desk.catalogue.for_platform("slack"))
    except Exception:
        log.exception("could not build the home tab of %s", identity)
        return
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("Slack refused the home tab of %s: %s (HTTP %s)", identity,
                    exc.response.get("error", ""), exc.response.status_code)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not publish the home tab of %s: %r", identity, exc)


