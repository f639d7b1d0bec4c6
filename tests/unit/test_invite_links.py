"""/team shows a one-tap invite link where the platform has one (Telegram's deep links), and
/start join_CODE from that link joins the team."""

from __future__ import annotations

from tests.unit.fakes import Desk, render


def test_team_shows_the_invite_link_and_the_link_joins() -> None:
    desk = Desk(codes=["ABC123"], invite_links={"console": "https://t.me/bot?start=join_{code}"})
    desk.onboard("ana")
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("ana", "/team")
    assert render("team.invite_link", link="https://t.me/bot?start=join_ABC123") in row.text
    rows = desk.say("bob", "/start join_ABC123")
    assert any("Rivers" in r.text for r in rows if r.member_id != 1)


def test_no_link_where_the_platform_has_none() -> None:
    desk = Desk(codes=["ABC123"])
    desk.onboard("ana")
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("ana", "/team")
    assert "start=join_" not in row.text
