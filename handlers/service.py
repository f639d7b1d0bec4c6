"""The help desk's entry point: one inbound message, one transaction, its replies queued."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers import broadcasts, events, followups, forget, forms, group_talk, onboarding
from handlers.audit import record_configured
from handlers.catalogue import Catalogue
from handlers.delivery import queue_messages
from handlers.domain import Contact, Member, Role, language_from_locale
from handlers.home import HomePage, build_home
from handlers.messages import ChatRef, Inbound, Outbound, UserRef
from handlers.ports import UnitOfWork
from handlers.router import parse_command, route
from handlers.sweep import Sweep
from handlers.turn import Deps, Turn, phrase

log = logging.getLogger(__name__)

# What the scheduler's sweep looks at, each capability in turn: a failing one is logged and
# undone without holding up the others.
SWEEPS: tuple[tuple[str, Callable[[Sweep], None]], ...] = (
    ("broadcasts", broadcasts.sweep),
    ("events", events.sweep),
    ("follow-ups", followups.sweep),
    ("farewells", forget.sweep),
)


@dataclass(frozen=True, slots=True)
class HelpDesk:
    """Handles inbound messages; each one is stored with its replies atomically, or not at all."""

    unit_of_work: Callable[[], UnitOfWork]
    catalogue: Catalogue
    deps: Deps

    def handle(self, inbound: Inbound) -> None:
        """Run the use case for one message and queue every resulting message in the outbox."""
        self.handle_batch([inbound])

    def handle_batch(self, inbounds: Sequence[Inbound]) -> None:
        """Handle several messages in one transaction (one commit), each one atomic.

        When a message's use case fails, nothing of it is kept and its sender is told so, in
        their language, while the other messages go through. If the commit itself fails, the
        exception reaches the caller and none of them is stored, so the adapter can hand them
        over again.

        A group is first tried as a whole; only if one of its messages fails is it redone (from
        scratch: nothing was committed) with a savepoint around each message.
        """
        discard: list[str] = []  # files to delete once the transaction is committed
        if len(inbounds) > 1:
            try:
                with self.unit_of_work() as uow:
                    for inbound in self._unhandled(uow, inbounds):
                        discard += self._handle_one(uow, inbound, self.deps.clock.now())
                    self._mark_handled(uow, inbounds, self.deps.clock.now())
                    uow.commit()
            except Exception:
                log.info("a message in a group of %d failed; redoing them one by one",
                         len(inbounds))
                discard = []
            else:
                self._discard(discard)
                return
        with self.unit_of_work() as uow:
            for inbound in self._unhandled(uow, inbounds):
                now = self.deps.clock.now()
                try:
                    with uow.savepoint():
                        handled = self._handle_one(uow, inbound, now)
                    discard += handled
                except Exception:
                    log.exception("handling a message from %s failed", inbound.sender.identity)
                    self._apologise(uow, inbound, now)
            # Each one handled, or answered with an apology.
            self._mark_handled(uow, inbounds, self.deps.clock.now())
            uow.commit()
        self._discard(discard)

    def _discard(self, files: Sequence[str]) -> None:
        """Delete stored files the committed transaction no longer refers to (a failure is
        logged: the file stays, unreferenced, and nothing else is undone)."""
        for sha256 in files:
            try:
                self.deps.files.discard(sha256)
            except OSError:
                log.exception("could not delete the stored file %s", sha256)

    def sweep(self) -> int:
        """Do what is due now (nags, reminders, scheduled broadcasts) in one transaction;
        how many messages it queued."""
        now = self.deps.clock.now()
        queued = 0
        with self.unit_of_work() as uow:
            uow.one_sweep_at_a_time()
            for name, due in SWEEPS:
                run = Sweep(uow, self.deps, now)
                try:
                    with uow.savepoint():
                        due(run)
                        queue_messages(uow, self.catalogue, run.out, now,
                                       known=list(run.contacts.values()))
                except Exception:
                    log.exception("the %s sweep failed; the others go on", name)
                    continue
                queued += len(run.out)
            uow.commit()
        return queued

    def home(self, identity: str, prefix: str = "/", locale: str | None = None) -> HomePage:
        """The home page of one platform identity (a linked one finds its member), read in a
        unit of work that is never committed. ``prefix`` is how commands are typed there
        (``"/peerdesk "`` on Slack); ``locale`` is a stranger's, for the welcome's language."""
        with self.unit_of_work() as uow:
            return build_home(uow, self.deps, identity, self.deps.clock.now(), prefix,
                              language_from_locale(locale))
    # --- Forms (handlers/forms.py): a guided command's questions all at once ---------------

    def form(self, identity: str, command: str) -> forms.Form | None:
        """The form of a command typed without arguments (``newtask``), in the person's
        language; None when the command has none or is not for them (it then runs as usual,
        refusing with its own words)."""
        spec = forms.spec_for(command)
        if spec is None:
            return None
        with self.unit_of_work() as uow:  # never committed: the command only looks
            turn = self._form_turn(uow, identity, spec.command)
            fields = forms.fields_for(turn, spec) if turn is not None else None
            if turn is None or fields is None:
                return None
            return forms.render_form(spec, fields, turn, self._texts_for(identity))

    def submit_form(self, identity: str, command: str,
                    values: Mapping[str, str]) -> dict[str, str]:
        """Do what answering the command's questions with ``values`` does, in one transaction:
        stored with its replies queued (to the person's private chat), and no errors; or,
        when a value is refused, nothing stored and the errors per field (``forms.WHOLE_FORM``
        for the form as a whole), in the person's language."""
        spec = forms.spec_for(command)
        with self.unit_of_work() as uow:
            turn = self._form_turn(uow, identity, spec.command) if spec is not None else None
            if spec is None or turn is None:
                language = self.deps.settings.default_language
                return {forms.WHOLE_FORM: self._texts_for(identity).render(phrase("form.stale"),
                                                                           language)}
            try:
                errors = forms.fill(turn, spec, values)
            except Exception:
                log.exception("a %s form from %s failed", spec.command, identity)
                errors = {forms.WHOLE_FORM: [phrase("error.internal")]}
            if errors:  # left without a commit: nothing of it is kept
                texts = self._texts_for(identity)
                return {name: texts.render_lines(lines, turn.sender.language)
                        for name, lines in errors.items()}
            chat = turn.chat  # the form's replies go to the person's private chat
            out = [o._replace(chat=None) if o.chat == chat else o for o in turn.out]
            self._queue(uow, turn, out, turn.now)
            uow.commit()
        return {}

    def words_for(self, identity: str, key: str) -> str:
        """One of the bot's phrases (no placeholders) as this identity's member reads it: in
        their language (the default one for a stranger), in their platform's wording."""
        with self.unit_of_work() as uow:  # only reads
            member = uow.members.by_identity(identity)
        language = member.language if member is not None else self.deps.settings.default_language
        return self._texts_for(identity).render(phrase(key), language)

    def _texts_for(self, identity: str) -> Catalogue:
        """The catalogue as a reader on this identity's platform sees it."""
        return self.catalogue.for_platform(identity.partition(":")[0])

    def _form_turn(self, uow: UnitOfWork, identity: str, command: str) -> Turn | None:
        """A turn for a form of a registered person (None for anybody else)."""
        member = uow.members.by_identity(identity)
        if member is None:
            return None
        chat = ChatRef(identity.split(":", 1)[0], "", is_private=True)
        inbound = Inbound(UserRef(identity, member.name), chat, text=f"/{command}")
        return Turn(uow, self.deps, inbound, member, self.deps.clock.now())

    def _handle_one(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> list[str]:
        """Handle one message in the unit of work; the stored files it leaves unreferenced."""
        if not inbound.addressed or inbound.event is not None or _stranger_talk(uow, inbound):
            # Group talk not meant for the bot (or from someone who never started with it),
            # or news about a group: nobody is answered or registered by it.
            queue_messages(uow, self.catalogue, group_talk.overheard(uow, inbound, now), now)
            return []
        turn, needs_routing = self._turn(uow, inbound, now)
        if needs_routing:
            route(turn)
        self._queue(uow, turn, turn.out, now)
        return turn.discard

    def _turn(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> tuple[Turn, bool]:
        """The turn for this message and whether to route it.

        A newcomer is greeted first; when they wrote plain text, they are only greeted (the
        text would otherwise be taken as the answer to the greeting's question).
        """
        sender, is_new = self._sender(uow, inbound, now)
        turn = Turn(uow, self.deps, inbound, sender, now)
        if is_new:
            command = parse_command(inbound.text.strip())
            if command is None or command[0] != "start":
                onboarding.start(turn, "")
                return turn, command is not None or inbound.button is not None
        return turn, True

    def _sender(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> tuple[Member, bool]:
        who = inbound.sender
        member = uow.members.by_identity(who.identity)
        is_new = member is None
        if member is None:
            settings = self.deps.settings
            language = language_from_locale(who.locale) or settings.default_language
            name = " ".join(who.display_name.split())[:80] or who.identity
            member = uow.members.add(name, who.identity, language, settings.default_timezone, now)
        elif member.identity != who.identity:
            uow.members.use_identity(member.id, who.identity)
        if who.identity in self.deps.settings.coordinator_identities and not member.is_coordinator:
            uow.members.grant(member.id, Role.COORDINATOR, None, now)
            record_configured(uow, member, now)
            member = member._replace(roles=member.roles | {Role.COORDINATOR})
        return member, is_new

    def _queue(self, uow: UnitOfWork, turn: Turn, out: list[Outbound], now: datetime) -> None:
        me = Contact(turn.sender.id, turn.inbound.sender.identity, turn.sender.language,
                     turn.sender.auto_translate)
        queue_messages(uow, self.catalogue, out, now, known=[*turn.contacts.values(), me])

    @staticmethod
    def _unhandled(uow: UnitOfWork, inbounds: Sequence[Inbound]) -> list[Inbound]:
        """The messages whose delivery was not handled yet: one handed over again after its
        handling was committed (the help desk's process died before it could say so) is
        skipped, not handled twice."""
        receipts: dict[str, list[int]] = {}
        for inbound in inbounds:
            if inbound.receipt is not None:
                receipts.setdefault(inbound.chat.platform, []).append(inbound.receipt)
        done = {(platform, number) for platform, numbers in receipts.items()
                for number in uow.handled_already(platform, numbers)}
        return [inbound for inbound in inbounds
                if (inbound.chat.platform, inbound.receipt) not in done]

    @staticmethod
    def _mark_handled(uow: UnitOfWork, inbounds: Sequence[Inbound], now: datetime) -> None:
        receipts: dict[str, list[int]] = {}
        for inbound in inbounds:
            if inbound.receipt is not None:
                receipts.setdefault(inbound.chat.platform, []).append(inbound.receipt)
        for platform, numbers in receipts.items():
            uow.mark_handled(platform, numbers, now)

    def _apologise(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> None:
        if not inbound.addressed or inbound.event is not None:
            return  # nobody asked the bot anything
        try:
            with uow.savepoint():
                member, _is_new = self._sender(uow, inbound, now)
                me = Contact(member.id, inbound.sender.identity, member.language)
                sorry = Outbound(member.id, (phrase("error.internal"),), chat=inbound.chat)
                queue_messages(uow, self.catalogue, [sorry], now, known=[me])
        except Exception:
            log.exception("could not tell %s that their message failed", inbound.sender.identity)


def _stranger_talk(uow: UnitOfWork, inbound: Inbound) -> bool:
    """Text (not a command or a button) in a group from someone the help desk does not know:
    talk to relay, not a newcomer to greet in front of the group."""
    return (not inbound.chat.is_private and inbound.button is None
            and inbound.attachment is None and not inbound.text.startswith("/")
            and uow.members.by_identity(inbound.sender.identity) is None)
