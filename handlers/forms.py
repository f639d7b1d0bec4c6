"""Guided commands as forms: every question of ``/newteam``, ``/newtask``, ``/event``,
``/broadcast`` (and ``/reviewer``'s settings) at once, for platforms that show forms (Slack's
modals). Chat platforms keep asking one question per message.

Nothing is checked twice: a form's fields are the steps of the guided command, and submitting
it plays the command, answering each step the command asks with its field's value (typed text,
or the data of the button a choice stands for; an optional field left empty presses the step's
"skip" button). When the command asks a step again, the reply that asks it is that field's
error. When it finishes, or reaches a step that stays in the chat (the preview of a broadcast or
an event, with its Confirm button), the form is done. The help desk runs all of it in one unit
of work and keeps it only when the form is done (``HelpDesk.submit_form``).

``/reviewer`` is no guided command: its form builds the command's arguments, and the replies
that mean a wrong value are its fields' errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from handlers import broadcasts, event_steps, tasks, teams
from handlers.audience_picker import MENU
from handlers.catalogue import Catalogue
from handlers.commands import COMMANDS
from handlers.domain import LANGUAGE_NAMES, Language
from handlers.event_input import AGENDA_LIMIT, TITLE_LIMIT
from handlers.messages import Button, Param, Phrase
from handlers.router import FLOWS, parse_command, press_button, run_command
from handlers.timezones import zone_label
from handlers.turn import Buttons, Turn, phrase

# Where an error about the whole form (not one field) is returned.
WHOLE_FORM = "_form"


class Kind(StrEnum):
    """What a field takes: a line, several lines, one of some options, or several of them."""

    LINE = "line"
    TEXT = "text"
    CHOICE = "choice"
    CHOICES = "choices"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: the step it answers (its name), its label and hint keys, and how to fill it.

    ``options`` gives the step's buttons (a choice's value is a button's data); ``skip`` is the
    data of the button that skips an optional step when the field is left empty.
    """

    name: str
    label: str
    kind: Kind = Kind.LINE
    hint: str | None = None
    limit: int | None = None
    options: Callable[[], Buttons] | None = None
    skip: str | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A command's form: its flow (None for a one-shot command), title, fields in the order
    the command asks them, the steps after which the chat takes over, and, for a one-shot
    command, how its arguments are built and which replies are a field's error."""

    command: str
    flow: str | None
    title: str
    fields: tuple[FieldSpec, ...]
    then: frozenset[str] = frozenset()
    note: str | None = None
    arguments: Callable[[Mapping[str, str]], str] | None = None
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FormField:
    """A field as one person sees it (texts in their language)."""

    name: str
    label: str
    kind: Kind
    optional: bool = False
    hint: str = ""
    limit: int | None = None
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    initial: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A command's form as one person sees it."""

    command: str
    title: str
    submit: str
    close: str
    fields: tuple[FormField, ...]
    note: str = ""


def _skip(buttons: Buttons) -> str:
    return buttons[0][0].data


def _reviewer_arguments(values: Mapping[str, str]) -> str:
    langs = ",".join(v.strip() for v in values.get("langs", "").split(",") if v.strip())
    topics = values.get("topics", "").strip()
    return f"langs {langs}" + (f" topics {topics}" if topics else "")


_LANGUAGES: Buttons = [[Button(data=lang.value, label=LANGUAGE_NAMES[lang]) for lang in Language]]
_AUDIENCE_HINT = "form.hint.audience"

SPECS: dict[str, FormSpec] = {spec.command: spec for spec in (
    FormSpec("newteam", teams.NEW_TEAM, "form.title.newteam", (
        FieldSpec("name", "form.field.team_name", limit=60),
        FieldSpec("topic", "form.field.topic", hint="form.hint.topic", limit=80),
        FieldSpec("region", "form.field.region", Kind.CHOICE, options=teams.region_buttons),
    )),
    FormSpec("newtask", tasks.NEW_TASK, "form.title.newtask", (
        FieldSpec("team", "form.field.team", hint="form.hint.team"),
        FieldSpec("title", "form.field.title", limit=tasks.LIMITS["title"]),
        FieldSpec("output", "form.field.output", Kind.TEXT, limit=tasks.LIMITS["output"]),
        FieldSpec("due", "form.field.due", hint="form.hint.due"),
        FieldSpec("responsible", "form.field.responsible", hint="form.hint.responsible"),
        FieldSpec("share", "form.field.share", hint="form.hint.share", skip="share:-",
                  optional=True),
    )),
    FormSpec("event", event_steps.EVENT, "form.title.event", (
        FieldSpec("title", "form.field.title", limit=TITLE_LIMIT),
        FieldSpec("start", "form.field.start", hint="form.hint.start"),
        FieldSpec("duration", "form.field.duration", Kind.CHOICE,
                  options=lambda: event_steps.step_buttons("duration")),
        FieldSpec("link", "form.field.link"),
        FieldSpec("agenda", "form.field.agenda", Kind.TEXT, limit=AGENDA_LIMIT,
                  skip=_skip(event_steps.step_buttons("agenda")), optional=True),
        FieldSpec("teams", "form.field.teams", hint="form.hint.teams",
                  skip=_skip(event_steps.step_buttons("teams")), optional=True),
        FieldSpec(MENU, "form.field.audience", hint=_AUDIENCE_HINT, skip="ev:a:all",
                  optional=True),
    ), then=frozenset({"confirm"}), note="form.note.preview"),
    FormSpec("broadcast", broadcasts.BROADCAST, "form.title.broadcast", (
        FieldSpec(MENU, "form.field.audience", hint=_AUDIENCE_HINT,
                  skip=f"{broadcasts.PICKER.prefix}:a:all", optional=True),
        FieldSpec(broadcasts.TEXT, "form.field.message", Kind.TEXT, limit=broadcasts.MAX_TEXT),
        FieldSpec(broadcasts.WHEN, "form.field.when", hint="form.hint.when", skip="bc:now",
                  optional=True),
    ), then=frozenset({broadcasts.PREVIEW}), note="form.note.preview"),
    FormSpec("reviewer", None, "form.title.reviewer", (
        FieldSpec("langs", "form.field.languages", Kind.CHOICES, options=lambda: _LANGUAGES),
        FieldSpec("topics", "form.field.topics", hint="form.hint.topics", optional=True),
    ), arguments=_reviewer_arguments,
        errors={"reviewer.usage": "langs", "reviewer.bad_language": "langs",
                "perm.reviewer": WHOLE_FORM}),
)}


def spec_for(command: str) -> FormSpec | None:
    """The form of a command typed without arguments (``newtask``, ``/newtask``); None when
    it has none or arguments came with it (the command then runs as typed)."""
    parsed = parse_command("/" + command.strip().lstrip("/"))
    if parsed is None or parsed[1]:
        return None
    return SPECS.get(parsed[0])


def fields_for(turn: Turn, spec: FormSpec) -> tuple[FieldSpec, ...] | None:
    """The fields this person's form has: the command's steps from the first it asks them
    (a coordinator outside any team is asked the team of a task); None when the command is
    not for them (it then refuses as usual). Runs the command: its unit of work must be
    thrown away."""
    if spec.flow is None:
        team = turn.uow.teams.of_member(turn.sender.id)
        return spec.fields if COMMANDS[spec.command].audience(turn.sender, team) else None
    run_command(turn, spec.command, "")
    pending = turn.pending
    if pending is None or pending.flow != spec.flow:
        return None
    names = [f.name for f in spec.fields]
    return spec.fields[names.index(pending.step):] if pending.step in names else None


def render_form(spec: FormSpec, fields: Sequence[FieldSpec], turn: Turn,
                catalogue: Catalogue) -> Form:
    """The form in the person's language, with their current values where there are any."""
    language = turn.sender.language
    params: dict[str, Param] = {"zone": zone_label(turn.sender.timezone)}

    def text(key: str) -> str:
        return catalogue.render(Phrase(key, params), language)

    initial = _initial(turn) if spec.command == "reviewer" else {}
    shown = tuple(FormField(
        f.name, text(f.label), f.kind, f.optional, text(f.hint) if f.hint else "", f.limit,
        tuple((b.data, _label(b, catalogue, language)) for row in (f.options() if f.options
                                                                    else ()) for b in row),
        initial.get(f.name, ())) for f in fields)
    return Form(spec.command, text(spec.title), text("form.button.submit"),
                text("button.cancel"), shown, text(spec.note) if spec.note else "")


def _label(item: Button, catalogue: Catalogue, language: Language) -> str:
    if item.phrase is not None:
        return catalogue.render(item.phrase, language)
    return item.label or item.data


def _initial(turn: Turn) -> dict[str, tuple[str, ...]]:
    profile = turn.uow.reviews.profile(turn.sender.id)
    if profile is None:
        return {}
    return {"langs": tuple(lang.value for lang in Language if lang in profile.languages),
            "topics": (",".join(profile.topics),) if profile.topics else ()}


def fill(turn: Turn, spec: FormSpec, values: Mapping[str, str]) -> dict[str, list[Phrase]]:
    """Play the command with the form's values; the errors per field (empty when it is done,
    and then ``turn`` holds what the command did and said, without the questions the form
    answered)."""
    if spec.flow is None:
        return _fill_command(turn, spec, values)
    start = len(turn.out)
    run_command(turn, spec.command, "")
    if not _in_flow(turn, spec.flow):
        return {WHOLE_FORM: _said(turn, start)}  # not for this person: its refusal
    fields = {f.name: f for f in spec.fields}
    answered: set[str] = set()
    while _in_flow(turn, spec.flow):
        assert turn.pending is not None
        step = turn.pending.step
        if step in spec.then:
            break
        if step in answered:
            return {step: _refusal(_said(turn, start, first=True))}
        found = fields.get(step)
        if found is None:
            return {WHOLE_FORM: [phrase("form.stale")]}
        answered.add(step)
        start = len(turn.out)
        problem = _answer(turn, spec.flow, found, values.get(step, "").strip())
        if problem is not None:
            return {step: [problem]}
    # The questions were answered by the form: the person hears only how it ended.
    turn.out = [o for number, o in enumerate(turn.out)
                if number >= start or o.to != turn.sender.id]
    return {}


def _in_flow(turn: Turn, flow: str) -> bool:
    return turn.pending is not None and turn.pending.flow == flow


def _answer(turn: Turn, flow: str, spec: FieldSpec, value: str) -> Phrase | None:
    """Answer one step with a field's value; a problem found before asking the command."""
    if not value:
        if spec.skip is None:
            return phrase("form.required")
        _press(turn, spec.skip)
    elif spec.kind is Kind.CHOICE:
        offered = {b.data for row in (spec.options() if spec.options else ()) for b in row}
        if value not in offered:
            return phrase("form.choose")
        _press(turn, value)
    else:
        FLOWS[flow](turn, spec.name, value)
    return None


def _press(turn: Turn, data: str) -> None:
    """Press one of the step's buttons, as the person would in the chat."""
    typed = turn.inbound
    turn.inbound = replace(typed, button=data)
    try:
        press_button(turn, data)
    finally:
        turn.inbound = typed


def _said(turn: Turn, start: int, first: bool = False) -> list[Phrase]:
    """What the command told the person since ``start`` (only its first message: what was
    wrong, before the question asked again)."""
    mine = [out for out in turn.out[start:] if out.to == turn.sender.id]
    return [line for out in (mine[:1] if first else mine) for line in out.body]


def _refusal(lines: list[Phrase]) -> list[Phrase]:
    """A refused answer's reply without the chat's menu that follows it (the form's field
    stands in for it)."""
    return [line for line in lines if line.key not in _MENUS] or lines


_MENUS = frozenset({"audience.menu"})


def _fill_command(turn: Turn, spec: FormSpec, values: Mapping[str, str]) -> dict[str,
                                                                                list[Phrase]]:
    for f in spec.fields:
        if not f.optional and not values.get(f.name, "").strip():
            return {f.name: [phrase("form.required")]}
    assert spec.arguments is not None
    run_command(turn, spec.command, spec.arguments(values))
    said = _said(turn, 0)
    for line in said:
        if line.key in spec.errors:
            return {spec.errors[line.key]: said}
    return {}

