"""The home page (App Home): what each role sees, read without writing anything, with the same
lines as /tasks, /queue and /tickets, and long sections cut with a pointer to the command."""

from __future__ import annotations

from handlers.domain import Language
from handlers.home import SECTION_LINES, HomePage
from handlers.messages import UserRef
from tests.unit.fakes import Desk, catalogue, render, user


def shown(page: HomePage) -> list[tuple[str, list[str]]]:
    """Each section's title and lines, rendered in the page's language."""
    words = catalogue()
    return [(words.render(s.title, page.language),
             [words.render(line, page.language) for line in s.lines]) for s in page.sections]


def titles(page: HomePage) -> list[str]:
    return [title for title, _lines in shown(page)]


def lines_of(page: HomePage, title: str) -> list[str]:
    (found,) = [lines for head, lines in shown(page) if head == title]
    return found


def _desk() -> Desk:
    """Carla coordinates; Ana (pt) leads Rivers with a task, handed in to Rita (reviewer);
    Paul is a reviewer with nothing to review; Bob is in no team."""
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("rita", Language.PT, "Luanda")
    desk.onboard("paul", Language.EN, "Nairobi")
    desk.onboard("bob", Language.FR)
    desk.make_team("ana", "Rivers")
    for name in ("rita", "paul"):
        desk.say("carla", f"/grant reviewer {name}")
    desk.say("rita", "/reviewer langs pt topics water")
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    desk.upload("ana", "v1.pdf", b"%PDF-1.7 one")
    return desk


def test_a_stranger_is_welcomed_in_their_language_and_nothing_is_stored() -> None:
    desk = _desk()
    commits = desk.store.commits
    page = desk.helpdesk.home("console:zoe", "/peerdesk ", "fr-SN")
    assert page.language == Language.FR
    assert shown(page) == [(render("home.welcome_title", Language.FR),
                            [render("home.welcome", Language.FR, start="/peerdesk start")])]
    (welcome,) = page.sections
    assert [b.data for row in welcome.buttons for b in row] == ["lang:en", "lang:pt", "lang:es",
                                                                 "lang:fr"]
    assert "/peerdesk start" in shown(page)[0][1][0]
    assert not desk.known("zoe") and desk.store.commits == commits
    assert desk.helpdesk.home("console:zoe").language == Language.EN  # no locale: the default


def test_pressing_a_welcome_button_starts_a_stranger_off() -> None:
    desk = Desk()
    rows = desk.press(UserRef("console:zoe", "Zoe"), "lang:es")
    # Greeted, then asked the time zone: all of it in the language pressed.
    assert rows[0].text == render("start.welcome", Language.ES, name="Zoe")
    assert render("lang.set", Language.ES) in rows[-1].text
    assert desk.member("zoe").language == Language.ES


def test_a_team_leader_sees_the_tasks_as_tasks_lists_them() -> None:
    desk = _desk()
    page = desk.helpdesk.home(user("ana").identity, "/peerdesk ")
    assert page.language == Language.PT
    assert titles(page) == [render("home.hello", Language.PT, name="Ana"),
                            render("home.team_title", Language.PT, team="Rivers")]
    (task,) = lines_of(page, render("home.team_title", Language.PT, team="Rivers"))
    (listed,) = desk.say("ana", "/tasks")
    assert task in listed.text.splitlines()
    assert "2026-03-15" in task and "D1 v1" in task
    assert shown(page)[0][1] == [render("home.intro", Language.PT, help="/peerdesk help")]


def test_someone_in_no_team_is_told_how_to_join_one() -> None:
    desk = _desk()
    page = desk.helpdesk.home(user("bob").identity)
    assert shown(page)[1] == (render("home.team_none_title", Language.FR),
                              [render("home.team_none", Language.FR, join="/join",
                                      newteam="/newteam")])


def test_a_reviewer_sees_their_queue_and_an_empty_one_briefly() -> None:
    desk = _desk()
    rita = desk.helpdesk.home(user("rita").identity)
    queue = lines_of(rita, render("home.queue_title", Language.PT, count=1))
    (listed,) = desk.say("rita", "/queue")
    assert queue == listed.text.splitlines()[1:]
    paul = desk.helpdesk.home(user("paul").identity)
    assert lines_of(paul, render("home.queue_title", count=0)) == [render("home.nothing")]
    ana = desk.helpdesk.home(user("ana").identity)
    assert not [t for t in titles(ana) if t.startswith("Aguardando")]


def test_a_coordinator_sees_open_requests_and_late_teams() -> None:
    desk = _desk()
    desk.say("bob", "/ask Où est le modèle ?")
    page = desk.helpdesk.home(user("carla").identity)
    (request,) = lines_of(page, render("home.requests_title", count=1))
    (listed,) = desk.say("carla", "/tickets")
    assert request in listed.text.splitlines() and "Où est le modèle ?" in request
    assert lines_of(page, render("home.late_title", count=0)) == [render("home.none_late")]
    desk.clock.advance(days=20)  # the task was due on 2026-03-15
    late = desk.helpdesk.home(user("carla").identity)
    assert lines_of(late, render("home.late_title", count=1)) == [
        render("home.late_line", team="Rivers", count=1, days=7)]
    for member, language in (("ana", Language.PT), ("rita", Language.PT), ("bob", Language.FR)):
        seen = titles(desk.helpdesk.home(user(member).identity))
        assert render("home.requests_title", language, count=1) not in seen
        assert render("home.late_title", language, count=1) not in seen


def test_long_sections_stop_and_point_to_the_command() -> None:
    desk = _desk()
    for number in range(SECTION_LINES + 3):
        for answer in (f"/newtask Step {number}", "Notes", "2026-04-01", "Ana", "-"):
            desk.say("ana", answer)
    page = desk.helpdesk.home(user("ana").identity, "/peerdesk ")
    lines = lines_of(page, render("home.team_title", Language.PT, team="Rivers"))
    assert len(lines) == SECTION_LINES + 1
    assert lines[-1] == render("home.more", Language.PT, count=4, command="/peerdesk tasks")
