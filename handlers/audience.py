"""Audiences: who a broadcast or an event invitation is for, as typed or chosen with buttons.

An audience combines filters of four kinds:

- **region** (``region:west,latam``), **topic** (``topic:budgeting``) and **team**
  (``team:Rios, Kuna``) select people through their team: values of one kind are
  alternatives (any of them), and different kinds must all hold — ``region:west,latam
  topic:budgeting`` means the members of teams in West Africa or Latin America whose topic is
  budgeting. Topics and team names compare without regard to case (topics also to accents);
  a team name or topic that no team has is refused, saying which.
- **role** (``role:leaders,reviewers``): alternatives among themselves. Alone, they mean
  every holder of those roles in the programme (leaders = team leaders and co-leaders); with
  team filters, only the holders who are in the matching teams (the leaders of those teams…).

No filter at all, or ``everyone``, means every registered member. Proposed teams count;
rejected ones have no members. Filter words work in the four languages (``região:``,
``equipo:``, ``rôle:``…). This module is pure: the queries are behind :class:`Audiences`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from handlers.domain import LANGUAGE_NAMES, Language, Region, Team
from handlers.messages import Param, Phrase
from handlers.teams import parse_region, region_name


class AudienceRole(StrEnum):
    """Roles an audience can be narrowed to."""

    LEADERS = "leaders"  # team leaders and co-leaders
    REVIEWERS = "reviewers"
    OBSERVERS = "observers"
    COORDINATORS = "coordinators"


class TeamRef(NamedTuple):
    """A team named in an audience: its id, and its name as shown."""

    id: int
    name: str


class Recipient(NamedTuple):
    """One member an audience reaches: where, in which language, and their time zone."""

    id: int
    identity: str
    language: Language
    auto_translate: bool
    timezone: str


class Topic(NamedTuple):
    """A topic as one of the teams wrote it, with one such team (for buttons) and how many."""

    text: str
    team_id: int
    teams: int


def fold(text: str) -> str:
    """How topics and filter words are compared: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is addressed (see the module's docstring); no filter at all means everyone."""

    regions: tuple[Region, ...] = ()
    topics: tuple[str, ...] = ()  # as a team wrote them; compared with :func:`fold`
    teams: tuple[TeamRef, ...] = ()
    roles: tuple[AudienceRole, ...] = ()

    @property
    def everyone(self) -> bool:
        """Whether no filter narrows it."""
        return not (self.regions or self.topics or self.teams or self.roles)

    @property
    def team_filtered(self) -> bool:
        """Whether people are selected through their team."""
        return bool(self.regions or self.topics or self.teams)

    def merged(self, other: Audience) -> Audience:
        """This audience with another's values added (each kind stays a set)."""
        return _normal(self.regions + other.regions, self.topics + other.topics,
                       self.teams + other.teams, self.roles + other.roles)

    def toggled(self, *, region: Region | None = None, topic: str | None = None,
                team: TeamRef | None = None, role: AudienceRole | None = None) -> Audience:
        """This audience with one value added, or removed when it was there."""
        regions, topics, teams, roles = self.regions, self.topics, self.teams, self.roles
        if region is not None:
            regions = tuple(r for r in regions if r != region) if region in regions \
                else (*regions, region)
        if topic is not None:
            key = fold(topic)
            topics = tuple(t for t in topics if fold(t) != key) if key in self.topic_keys \
                else (*topics, topic)
        if team is not None:
            teams = tuple(t for t in teams if t.id != team.id) \
                if team.id in {t.id for t in teams} else (*teams, team)
        if role is not None:
            roles = tuple(r for r in roles if r != role) if role in roles else (*roles, role)
        return _normal(regions, topics, teams, roles)

    @property
    def topic_keys(self) -> frozenset[str]:
        """The topics as compared."""
        return frozenset(fold(t) for t in self.topics)

    def to_json(self) -> str:
        """The audience as stored (with a draft, a broadcast or an event)."""
        data: dict[str, object] = {}
        if self.regions:
            data["regions"] = [r.value for r in self.regions]
        if self.topics:
            data["topics"] = list(self.topics)
        if self.teams:
            data["teams"] = [[t.id, t.name] for t in self.teams]
        if self.roles:
            data["roles"] = [r.value for r in self.roles]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Audience:
        """An audience as stored by :meth:`to_json`."""
        data = json.loads(text) if text else {}
        return _normal(tuple(Region(r) for r in data.get("regions", ())),
                       tuple(str(t) for t in data.get("topics", ())),
                       tuple(TeamRef(int(i), str(n)) for i, n in data.get("teams", ())),
                       tuple(AudienceRole(r) for r in data.get("roles", ())))


def _normal(regions: Iterable[Region], topics: Iterable[str], teams: Iterable[TeamRef],
            roles: Iterable[AudienceRole]) -> Audience:
    """Each kind without duplicates, in a stable order (so equal audiences compare equal)."""
    unique_topics: dict[str, str] = {}
    for topic in topics:
        unique_topics.setdefault(fold(topic), topic)
    return Audience(tuple(r for r in Region if r in set(regions)),
                    tuple(unique_topics[k] for k in sorted(unique_topics)),
                    tuple(sorted({t.id: t for t in teams}.values())),
                    tuple(r for r in AudienceRole if r in set(roles)))


class Audiences(Protocol):
    """The queries behind audiences (implemented in ``storage/audience.py``)."""

    def teams_named(self, names: Sequence[str]) -> dict[str, TeamRef]:
        """The teams (not rejected) with these names, by case-folded name."""
        ...

    def topics(self) -> list[Topic]:
        """Every topic of a team that is not rejected, as written, in alphabetical order."""
        ...

    def recipients(self, audience: Audience) -> list[Recipient]:
        """Everyone the audience reaches now, by member id."""
        ...

    def languages(self, audience: Audience) -> dict[Language, int]:
        """How many people the audience reaches, by language."""
        ...

    def zones(self, audience: Audience) -> dict[str, int]:
        """How many people the audience reaches, by time zone."""
        ...


# --- Typed audiences -------------------------------------------------------------------------

_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("region", "regions", "regiao", "regioes", "regiones", "region"), "region"),
    **dict.fromkeys(("topic", "topics", "tema", "temas", "theme", "themes", "sujet"), "topic"),
    **dict.fromkeys(("team", "teams", "equipe", "equipes", "equipo", "equipos"), "team"),
    **dict.fromkeys(("role", "roles", "papel", "papeis", "rol", "roles"), "role"),
}
_EVERYONE = frozenset({"everyone", "everybody", "all", "todos", "todas", "todo mundo",
                       "tous", "toutes", "tout le monde"})
_ROLE_WORDS: dict[str, AudienceRole] = {
    **dict.fromkeys(("leaders", "leader", "lideres", "lider", "responsables", "responsable",
                     "leads", "chefs"), AudienceRole.LEADERS),
    **dict.fromkeys(("reviewers", "reviewer", "revisores", "revisoras", "revisor",
                     "relecteurs", "relectrices", "relecteur", "evaluateurs"),
                    AudienceRole.REVIEWERS),
    **dict.fromkeys(("observers", "observer", "observadores", "observadoras", "observador",
                     "observateurs", "observatrices", "observateur"), AudienceRole.OBSERVERS),
    **dict.fromkeys(("coordinators", "coordinator", "coordenadores", "coordenadoras",
                     "coordenador", "coordinadores", "coordinadoras", "coordinador",
                     "coordinateurs", "coordinatrices", "coordinateur"),
                    AudienceRole.COORDINATORS),
}
# ``word:`` at the start or after a space opens a filter.
_FILTER = re.compile(r"(?:^|(?<=\s))([^\s:,]+)\s*:")


class Problem(NamedTuple):
    """Why a typed audience cannot be used: a catalogue key and its values."""

    key: str
    params: dict[str, Param]

    @property
    def phrase(self) -> Phrase:
        """What to tell the person."""
        return Phrase(self.key, self.params)


@dataclass(frozen=True, slots=True)
class Request:
    """A typed audience before its team names and topics are looked up."""

    regions: tuple[Region, ...] = ()
    topics: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    roles: tuple[AudienceRole, ...] = ()


def looks_like_audience(text: str) -> bool:
    """Whether a text starts with an audience (a filter such as ``region:``, or everyone)."""
    match = _FILTER.match(text.strip())
    if match is not None:
        return fold(match.group(1)) in _KIND_WORDS
    return fold(text) in _EVERYONE


def parse_audience(text: str) -> Request | Problem:
    """A typed audience (``region:west,latam role:leaders``, ``everyone``), or what is wrong."""
    text = text.strip()
    if fold(text) in _EVERYONE:
        return Request()
    marks = [m for m in _FILTER.finditer(text) if fold(m.group(1)) in _KIND_WORDS]
    if not marks or marks[0].start() != 0:
        head = text[:marks[0].start()].strip() if marks else text
        return Problem("audience.unknown_filter", {"word": head[:60]})
    values: dict[str, list[str]] = {"region": [], "topic": [], "team": [], "role": []}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        kind = _KIND_WORDS[fold(mark.group(1))]
        raw = text[mark.end():following.start() if following else len(text)]
        items = [" ".join(v.split()) for v in raw.split(",") if v.strip()]
        if not items:
            return Problem("audience.empty_filter", {"word": mark.group(1)})
        values[kind] += items
    regions: list[Region] = []
    for word in values["region"]:
        region = parse_region(word)
        if region is None:
            return Problem("audience.unknown_region", {"value": word[:60]})
        regions.append(region)
    roles: list[AudienceRole] = []
    for word in values["role"]:
        role = _ROLE_WORDS.get(fold(word))
        if role is None:
            return Problem("audience.unknown_role", {"value": word[:60]})
        roles.append(role)
    return Request(tuple(regions), tuple(values["topic"]), tuple(values["team"]), tuple(roles))


def parse_role(text: str) -> AudienceRole | None:
    """An audience role from its name in any of the four languages."""
    return _ROLE_WORDS.get(fold(text))


def resolve(request: Request, audiences: Audiences) -> Audience | Problem:
    """The audience a typed request means, or which team names and topics no team has."""
    teams: dict[str, TeamRef] = audiences.teams_named(request.teams) if request.teams else {}
    missing_teams = [n for n in request.teams if " ".join(n.split()).casefold() not in teams]
    if missing_teams:
        return Problem("audience.unknown_teams", {"names": ", ".join(missing_teams)[:300]})
    known = {fold(t.text): t.text for t in audiences.topics()} if request.topics else {}
    missing_topics = [t for t in request.topics if fold(t) not in known]
    if missing_topics:
        return Problem("audience.unknown_topics", {"names": ", ".join(missing_topics)[:300]})
    return _normal(request.regions, [known[fold(t)] for t in request.topics],
                   teams.values(), request.roles)


def for_team(team: Team) -> TeamRef:
    """A team as an audience names it."""
    return TeamRef(team.id, team.name)


# --- Describing an audience ------------------------------------------------------------------

def _joined(items: Sequence[Param], key: str) -> Param:
    """Several values as one, joined with a catalogue phrase (``{first} or {next}``)."""
    result = items[0]
    for item in items[1:]:
        result = Phrase(key, {"first": result, "next": item})
    return result


def _quoted(text: str) -> Phrase:
    return Phrase("audience.quoted", {"text": text})


def role_name(role: AudienceRole) -> Phrase:
    """An audience role's name, in the reader's language."""
    return Phrase(f"audience.role.{role.value}")


def describe(audience: Audience) -> Phrase:
    """The audience in words, in the reader's language (filters as typed, for everyone)."""
    if audience.everyone:
        return Phrase("audience.everyone")
    parts: list[Param] = []
    if audience.regions:
        parts.append(Phrase("audience.region_part", {
            "regions": _joined([region_name(r) for r in audience.regions], "audience.or")}))
    if audience.topics:
        parts.append(Phrase("audience.topic_part", {
            "topics": _joined([_quoted(t) for t in audience.topics], "audience.or")}))
    if audience.teams:
        parts.append(Phrase("audience.team_part", {
            "teams": _joined([_quoted(t.name) for t in audience.teams], "audience.or")}))
    if audience.roles:
        parts.append(Phrase("audience.role_part", {
            "roles": _joined([role_name(r) for r in audience.roles], "audience.or")}))
    joined = _joined(parts, "audience.and")
    assert isinstance(joined, Phrase)
    return joined


_ORDER = list(Language)


def language_counts(counts: dict[Language, int]) -> Phrase:
    """How many people read each language (``English 3 · Português 2``), most first."""
    items: list[Param] = [
        Phrase("audience.language_count", {"language": LANGUAGE_NAMES[language],
                                           "count": count})
        for language, count in sorted(counts.items(),
                                      key=lambda item: (-item[1], _ORDER.index(item[0])))
        if count]
    if not items:
        return Phrase("audience.nobody_short")
    joined = _joined(items, "audience.and")
    assert isinstance(joined, Phrase)
    return joined
