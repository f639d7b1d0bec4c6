"""One team on three platforms at once, through the real adapters (slack-bolt against the local
Slack, python-telegram-bot against the local Bot API server, the console), in steps:

* Ana leads the team Rios from Telegram (Portuguese); Diego joins from Slack (his Slack locale
  es-ES), Marie from the console (French); Carla coordinates and Rita reviews, both on Slack;
* team talk from each platform reaches the other two, each in their own language, and a reply
  to it (a Slack thread, a Telegram reply, the console's ``[reply N]``) answers the team;
* Ana's PDF, handed in on Telegram, reaches Rita on Slack as the same bytes; Rita's comment in
  the card's thread reaches the three members; Diego answers it from Slack, Ana from Telegram
  (both answers land in the card's thread);
  Rita asks for changes with a button, Diego's version 2 shared on Slack reaches her as the
  same bytes, and her approval reaches everyone;
* Marie's help request from the console is answered by Carla in its Slack thread;
* Carla's broadcast, with a file shared on Slack, reaches every member on their platform (the
  bytes reach Telegram as they left Slack), and so does her event invitation, in each reader's
  local time, with its calendar file; RSVPs come back by button from each platform;
* Diego links his Telegram account with a code from Slack: one member, Spanish everywhere;
  team news follow him to the platform he last wrote from, and reach him on Slack when his
  Telegram blocks the bot;
* a Telegram group and a Slack channel linked to the team: talk crosses between them;
* a task due in a week: its three people are nagged on their platforms at their working hours.

Translation is the real Apertium (pt↔es and fr↔es directly, pt↔fr and en through Spanish):
the point is that each person reads the others in their own language (the expected words are
Apertium's, rough as they are). The clock is virtual: the nags come from sweeps at each hour,
as the scheduler would run them. Each step waits for what it expects; nothing is timed.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.cross.documents import one_page_pdf
from tests.cross.world import World, console_has, running_world, slack_has, telegram_has
from tests.scenarios.harness import first_code
from tests.slack.running import event_callback
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.updates import group_chat, user

if shutil.which("apertium") is None and not os.environ.get("CI"):
    pytest.skip("the apertium command is not installed (scripts/apertium install)",
                allow_module_level=True)

START = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
CARLA, DIEGO, RITA = "U0CARLA01", "U0DIEGO01", "U0RITA001"
ANA = user(11, "Ana", language_code="pt-br")
DIEGO_TG = user(31, "Diego", language_code="en")  # his phone is in English
GROUP = group_chat(-100500, "Rios 💧")
TEAM_CHANNEL = "C0TEAM001"  # "team-docs", in the local Slack's seed
LINK_CODE = re.compile(r"/peerdesk link ([A-Z2-9]{6})")  # as Slack users type it
REPORT = one_page_pdf("Rios - diagnostico, primeira versao")
REPORT_V2 = one_page_pdf("Rios - diagnostico, segunda version")
PROGRAMME = one_page_pdf("Second seminar - programme")


def dm(slack_user: str) -> str:
    """The bot's DM with a Slack user."""
    return "D" + slack_user[1:]


async def people_arrive(w: World) -> None:
    """Everyone says hello on their platform and picks a language and a city (Slack's
    locale has already chosen Spanish for Diego and Portuguese for Rita)."""
    assert "Boas-vindas ao peerdesk, Ana!" in await w.telegram_turn(ANA, "/start")
    await w.telegram_turn(ANA, press="Português")
    assert "Maputo" in await w.telegram_turn(ANA, press="Maputo")
    for person, language, city in ((CARLA, "English", "Maputo"), (DIEGO, "Español", "Lima"),
                                   (RITA, "Português", "Luanda")):
        await w.slack_turn(person, "start")
        await w.slack_turn(person, press=language)
        assert city in await w.slack_turn(person, press=city)
    assert "¡Hola, Diego!" in w.slack_texts(DIEGO)[0]
    assert "Boas-vindas ao peerdesk, Rita!" in w.slack_texts(RITA)[0]
    await w.console_turn("marie> /start")
    await w.console_turn("marie> [press Français]")
    assert "Dakar" in await w.console_turn("marie> [press Dakar]")


async def team_forms(w: World) -> None:
    """Ana proposes Rios from Telegram; Diego joins from Slack, Marie from the console; Carla
    makes Rita a reviewer; Ana sets the team's first task."""
    await w.telegram_turn(ANA, "/newteam Rios")
    await w.telegram_turn(ANA, "Orçamento participativo")
    code = first_code()
    assert f"/join {code}" in await w.telegram_turn(ANA, press="África Austral")
    assert "¡Ya eres parte del equipo “Rios”!" in await w.slack_turn(DIEGO, f"join {code}")
    joined = await w.console_turn(f"marie> /join {code}")
    assert "Bienvenue dans l'équipe « Rios »" in joined
    assert "Rita now has the reviewer role" in await w.slack_turn(CARLA, "grant reviewer Rita")
    await w.telegram_turn(ANA, "/newtask Diagnóstico")
    await w.telegram_turn(ANA, "Relatório")
    await w.telegram_turn(ANA, "2026-03-31")
    await w.telegram_turn(ANA, "Ana")
    assert "T1 Diagnóstico" in await w.telegram_turn(ANA, press="Sem parcela")


async def team_talks(w: World) -> None:
    """``/t`` from each platform reaches the other two, each in their own language."""
    await w.telegram_turn(ANA, "/t A equipe envia o relatório na segunda-feira.")
    await w.until(slack_has(w, DIEGO, "💬 Ana · Rios: El equipo envía el informe"))
    await w.until(console_has(w, "marie", "💬 Ana · Rios : L'équipe envoie le rapport"))
    await w.slack_turn(DIEGO, "t El equipo envía el informe el lunes.")
    await w.until(telegram_has(w, ANA, "💬 Diego · Rios: A equipe envia o relatório"))
    await w.until(console_has(w, "marie", "💬 Diego · Rios : L'équipe envoie le rapport"))
    await w.console_turn("marie> /t L'équipe envoie le rapport lundi.")
    await w.until(telegram_has(w, ANA, "💬 Marie · Rios: A equipe envia o relatório"))
    await w.until(slack_has(w, DIEGO, "💬 Marie · Rios: El equipo envía el informe"))
    marie = [t for t in w.telegram_texts(ANA) if t.startswith("💬 Marie")]
    assert marie[0].endswith("\n🌐 fr→pt")  # marked as translated, from French
    # A reply to relayed talk answers the whole team: in a Slack thread, on Telegram, on the
    # console.
    relayed = w.slack_message(DIEGO, "💬 Marie · Rios")
    await w.slack_says(DIEGO, "El informe está listo.", thread_ts=relayed["ts"])
    await w.until(telegram_has(w, ANA, "💬 Diego · Rios: O relatório está pronto."))
    await w.until(console_has(w, "marie", "💬 Diego · Rios : Le rapport est prêt."))
    await w.telegram_says(ANA, "Obrigada, Diego!",
                          reply_to=w.telegram_message_id(ANA, "💬 Diego"))
    await w.until(slack_has(w, DIEGO, "💬 Ana · Rios: Gracias, Diego!"))
    await w.until(console_has(w, "marie", "💬 Ana · Rios : Grâces, Diego!"))
    number = w.console_found("marie", "💬 Ana · Rios : Grâces")[-1].number
    await w.console_says(f"marie> [reply {number}] D'accord, merci.")
    await w.until(telegram_has(w, ANA, "💬 Marie · Rios: De acordo, graças."))
    await w.until(slack_has(w, DIEGO, "💬 Marie · Rios: De acuerdo, gracias."))


async def deliverable_reviewed(w: World) -> None:
    """Ana hands in a PDF on Telegram; Rita gets the card and the file itself on Slack and
    comments in the card's thread; the comment reaches Ana, Diego and Marie; Diego answers."""
    w.telegram.push_document(ANA, REPORT, "diagnóstico final.pdf",
                             caption="T1 primeira versão")
    await w.until(telegram_has(w, ANA, "Recebido “diagnóstico final.pdf”: D1 v1 para T1"))
    await w.until(slack_has(w, RITA, "Revisão de D1 v1 (rodada 1)"))
    await w.until(lambda: any(f.name == "diagnóstico final.pdf" and f.channels
                              for f in w.slack.workspace.files.values()))  # upload completed
    shared = [f for f in w.slack.workspace.files.values() if f.name == "diagnóstico final.pdf"]
    assert [(f.content, f.channels) for f in shared] == [(REPORT, [dm(RITA)])]
    await w.until(slack_has(w, DIEGO, "Ana entregó D1 v1"))
    await w.until(console_has(w, "marie", "Ana a rendu D1 v1"))
    card = w.slack_message(RITA, "Revisão de D1 v1 (rodada 1)")
    commented = await w.slack_turn(RITA, text="A secção 2 precisa de dados de 2025.",
                                   thread_ts=card["ts"])
    assert "Seu comentário sobre D1 v1 foi enviado" in commented
    await w.until(telegram_has(w, ANA, "Comentário sobre D1 v1 de Rita:\nA secção 2 precisa"))
    await w.until(slack_has(w, DIEGO, "Comentario sobre D1 v1 de Rita:\nLa sección 2"))
    await w.until(console_has(w, "marie", "Commentaire sur D1 v1 de Rita :\nLa section 2"))
    comment = w.slack_message(DIEGO, "Comentario sobre D1 v1 de Rita")
    answer = await w.slack_turn(DIEGO, text="Los datos de 2025 aún no se publicaron.",
                                thread_ts=comment["ts"])
    assert "Tu respuesta se envió a quien revisa D1" in answer
    await w.until(slack_has(w, RITA, "Diego responde sobre D1 v1:\nOs dados de 2025"))
    # The team's answers arrive in the thread of Rita's card.
    assert w.slack_message(RITA, "Diego responde sobre D1 v1").get("thread_ts") == card["ts"]


async def second_round(w: World) -> None:
    """Ana answers Rita from Telegram (a reply to the comment) and Diego reads Rita's comment
    in the original; Rita asks for changes with a Slack button; Diego hands in version 2 as a
    file shared on Slack — fetched with the bot token, it reaches Rita as the same bytes —
    and Rita approves it: everyone hears on their platform."""
    comment = w.telegram_message_id(ANA, "Comentário sobre D1 v1 de Rita")
    sent = await w.telegram_turn(ANA, "Vamos incluir uma nota.", reply_to=comment)
    assert "Sua resposta foi enviada" in sent
    await w.until(slack_has(w, RITA, "Ana responde sobre D1 v1:\nVamos incluir uma nota."))
    card = w.slack_message(RITA, "Revisão de D1 v1 (rodada 1)")
    assert w.slack_message(RITA, "Ana responde sobre D1 v1").get("thread_ts") == card["ts"]
    original = await w.slack_turn(DIEGO, press="Original")  # on the comment, his newest
    assert "(pt):" in original and "A secção 2 precisa de dados de 2025." in original
    await w.slack_turn(RITA, press="Pedir alterações")
    await w.until(telegram_has(w, ANA, "Rita pede alterações em D1 v1"))
    await w.until(slack_has(w, DIEGO, "Rita pide cambios en D1 v1"))
    await w.until(console_has(w, "marie", "Rita demande des modifications"))
    version2 = w.slack_file("diagnostico-v2.pdf", REPORT_V2, "application/pdf")
    received = await w.slack_turn(DIEGO, text="T1 datos de 2024 con una nota",
                                  files=[version2])
    assert "Recibido “diagnostico-v2.pdf”: D1 v2 para T1" in received
    await w.until(slack_has(w, RITA, "Revisão de D1 v2 (rodada 2)"))
    await w.until(lambda: any(f.name == "diagnostico-v2.pdf" and dm(RITA) in f.channels
                              for f in w.slack.workspace.files.values()))
    (sent_v2,) = [f for f in w.slack.workspace.files.values()
                  if f.name == "diagnostico-v2.pdf" and dm(RITA) in f.channels]
    assert sent_v2.content == REPORT_V2
    await w.slack_turn(RITA, press="Aprovar")
    await w.until(telegram_has(w, ANA, "D1 v2 de “Rios” foi aprovado por Rita"))
    await w.until(slack_has(w, CARLA, "D1 v2 of “Rios” is approved by Rita"))
    await w.until(slack_has(w, DIEGO, "D1 v2 de “Rios” fue aprobado por Rita"))
    await w.until(console_has(w, "marie", "D1 v2 de « Rios » est approuvé par Rita"))


async def help_answered(w: World) -> None:
    """Marie asks the help desk from the console; Carla answers on Slack in the request's
    thread; the answer reaches Marie in a French frame."""
    asked = await w.console_turn("marie> /ask Comment remplir le modèle de rapport financier ?")
    assert "Votre demande #1 a été transmise" in asked
    await w.until(slack_has(w, CARLA, "Help request #1 from Marie (Rios):"))
    request = w.slack_message(CARLA, "Help request #1 from Marie")
    assert "🌐 fr→en" in request["text"]
    sent = await w.slack_turn(CARLA, text="The template is in the shared folder.",
                              thread_ts=request["ts"])
    assert "Your answer to #1 was sent" in sent
    await w.until(console_has(w, "marie", "Réponse de Carla à votre demande #1"))
    (answer,) = w.console_found("marie", "Réponse de Carla à votre demande #1")
    assert answer.language == "fr" and "dossier partagé" in answer.text


async def broadcast_with_a_file(w: World) -> None:
    """Carla broadcasts news with a file to everyone from Slack: each member reads it on their
    platform; the file's bytes reach Telegram and the Slack DMs as they left Slack."""
    await w.slack_turn(CARLA, "broadcast everyone")
    shared = w.slack_file("programa.pdf", PROGRAMME, "application/pdf")
    await w.slack_turn(CARLA, text="The second seminar starts on 2026-04-15.", files=[shared])
    preview = await w.slack_turn(CARLA, press="Now")
    assert "Recipients: 5 (Português 2 · English 1 · Español 1 · Français 1)" in preview
    assert "📎 programa.pdf" in preview
    await w.slack_turn(CARLA, press="Confirm")
    await w.until(slack_has(w, CARLA, "Broadcast #1 is on its way (recipients: 5)"))
    await w.until(telegram_has(w, ANA, "📣 Da central de ajuda (Carla):"))
    await w.until(lambda: bool(w.telegram.sent_to(11, "sendDocument")))
    (document,) = w.telegram.sent_to(11, "sendDocument")
    assert document.uploads["document"] == PROGRAMME
    assert document.result["document"]["file_name"] == "programa.pdf"
    await w.until(slack_has(w, DIEGO, "📣 De la mesa de ayuda (Carla):"))
    await w.until(console_has(w, "marie", "📣 Du service d'assistance (Carla)"))
    assert any("📎 programa.pdf" in block for block in w.console_output)
    await w.until(lambda: {dm(DIEGO), dm(RITA)} <= {
        channel for f in w.slack.workspace.files.values()
        if f.name == "programa.pdf" and f.uploaded and f.content == PROGRAMME
        for channel in f.channels})


async def event_invitation(w: World) -> None:
    """Carla invites everyone to an event from Slack: each invitation in the reader's own time
    with its calendar file — a document on Telegram, a Slack upload, a console attachment, the
    same bytes everywhere; the answers come back by button from each platform."""
    await w.slack_turn(CARLA, "event Budget results")
    await w.slack_turn(CARLA, text="2026-03-12 14:00 Africa/Maputo")
    await w.slack_turn(CARLA, press="1 h 30 min")
    await w.slack_turn(CARLA, text="https://meet.example.org/rios")
    await w.slack_turn(CARLA, text="What the team learned")
    await w.slack_turn(CARLA, text="Rios")
    preview = await w.slack_turn(CARLA, press="Everyone")
    assert "07:00 Lima (1) · 12:00 Dakar (1) · 13:00 Luanda (1) · 14:00 Maputo (2)" in preview
    assert "the invitations are on their way (invitees: 5)" in await w.slack_turn(
        CARLA, press="Confirm")
    await w.until(telegram_has(w, ANA, "Carla convida você para"))
    await w.until(lambda: len(w.telegram.sent_to(11, "sendDocument")) == 2)
    calendar = w.telegram.sent_to(11, "sendDocument")[-1]
    assert calendar.result["document"]["file_name"] == "event-1.ics"
    assert b"BEGIN:VCALENDAR" in calendar.uploads["document"]
    (invitation,) = [t for t in w.telegram_texts(ANA) if "Carla convida você para" in t]
    assert "quinta-feira 2026-03-12, 14:00 (Maputo" in invitation
    await w.until(lambda: any(f.name == "event-1.ics" and dm(DIEGO) in f.channels
                              and f.content == calendar.uploads["document"]
                              for f in w.slack.workspace.files.values()))
    assert "jueves 2026-03-12, 07:00 (Lima" in w.slack_message(DIEGO, "Carla te invita")["text"]
    await w.until(console_has(w, "marie", "jeudi 2026-03-12, 12:00 (Dakar"))
    assert any("Carla vous invite" in block and "📎 event-1.ics" in block
               for block in w.console_output)
    assert "Anotado: você vai participar" in await w.telegram_turn(ANA, press="Vou participar")
    assert "Anotado: asistirás" in await w.slack_turn(DIEGO, press="Asistiré")
    assert "C'est noté" in await w.console_turn("marie> [press Je participe]")


async def diego_links_telegram(w: World) -> None:
    """Diego asks for a code on Slack and types it on Telegram: one member, one language
    (Spanish, though his Telegram is in English); team news follow him to the platform he
    last wrote from."""
    code = LINK_CODE.search(await w.slack_turn(DIEGO, "link"))
    assert code is not None
    linked = await w.telegram_turn(DIEGO_TG, f"/link {code.group(1)}")
    assert "¡Cuentas vinculadas, Diego!" in linked and "telegram:31" in linked
    await w.until(slack_has(w, DIEGO, "Tu cuenta telegram:31 ahora está vinculada"))
    # He wrote last from Telegram: Ana's news reach him there, in Spanish, and not on Slack.
    on_slack = len(w.slack_dm(DIEGO))
    await w.telegram_turn(ANA, "/t O relatório está pronto.")
    await w.until(telegram_has(w, DIEGO_TG, "💬 Ana · Rios: El informe está pronto."))
    assert len(w.slack_dm(DIEGO)) == on_slack
    # He blocks the bot on Telegram: the news that met the block reaches him on Slack.
    w.telegram.block(int(DIEGO_TG["id"]))
    await w.telegram_turn(ANA, "/t A reunião é amanhã.")
    await w.until(slack_has(w, DIEGO, "💬 Ana · Rios: La reunión es mañana."))
    # Back at his desk he writes from Slack: the next news reach him on Slack only.
    await w.slack_turn(DIEGO, "t Gracias, Ana.")
    await w.until(telegram_has(w, ANA, "💬 Diego · Rios: Graças, Ana."))
    on_telegram = len(w.telegram_texts(DIEGO_TG))
    await w.telegram_turn(ANA, "/t A equipe envia o relatório.")
    await w.until(slack_has(w, DIEGO, "💬 Ana · Rios: El equipo envía el informe."))
    assert len(w.telegram_texts(DIEGO_TG)) == on_telegram


async def two_team_groups(w: World) -> None:
    """Ana links a Telegram group to Rios and names Diego co-leader, who links a Slack
    channel: team talk reaches both (each in its language), and what is said in one reaches
    the other and the teammates who cannot read it."""
    assert "Diego" in await w.telegram_turn(ANA, "/colead Diego")
    w.telegram.make_admin(int(GROUP["id"]), int(ANA["id"]))
    w.telegram.push_message(ANA, "/linkgroup", GROUP)
    await w.until(telegram_has(w, ANA, "Vincular o grupo “Rios 💧”"))
    assert "agora é o grupo de Rios" in await w.telegram_turn(ANA, press="🔗 Vincular este grupo")
    await w.slack_command(DIEGO, "linkgroup", TEAM_CHANNEL)
    await w.until(slack_has(w, DIEGO, "¿Vincular el grupo «team-docs»"))
    assert "es ahora el grupo de Rios" in await w.slack_turn(DIEGO, press="🔗 Vincular este grupo")
    await w.console_turn("marie> /t Le rapport est prêt.")
    group = int(GROUP["id"])
    await w.until(lambda: any("💬 Marie · Rios: O relatório é pronto." in t
                              for t in w.telegram.texts_to(group)))
    await w.until(lambda: any("💬 Marie · Rios: El informe es listo." in t
                              for t in w.slack.texts_in(TEAM_CHANNEL)))
    # Talk in the Telegram group (not to the bot) reaches the Slack channel and Marie.
    w.telegram.push_message(ANA, "A reunião é amanhã.", GROUP)
    await w.until(lambda: any("💬 Ana · Rios: La reunión es mañana." in t
                              for t in w.slack.texts_in(TEAM_CHANNEL)))
    await w.until(console_has(w, "marie", "💬 Ana · Rios : La réunion est matin."))
    # Talk in the Slack channel reaches the Telegram group, Ana and Marie.
    await w.slack_channel_says(DIEGO, TEAM_CHANNEL, "La reunión es mañana a las diez.")
    await w.until(lambda: any("💬 Diego · Rios: A reunião é amanhã" in t
                              for t in w.telegram.texts_to(group)))
    await w.until(telegram_has(w, ANA, "💬 Diego · Rios: A reunião é amanhã"))
    await w.until(console_has(w, "marie", "💬 Diego · Rios : La réunion est demain"))
    # The Slack channel is renamed, then the bot removed from it: the link ends and the
    # team's leader (Ana, on Telegram) is told, by the channel's new name.
    socket = w.slack.socket_mode
    await socket.push("events_api", event_callback({
        "type": "channel_rename", "channel": {"id": TEAM_CHANNEL, "name": "rios-docs",
                                              "created": 1_700_000_000}}))
    await socket.push("events_api", event_callback({
        "type": "channel_left", "channel": TEAM_CHANNEL, "actor_id": DIEGO}))
    await w.until(telegram_has(w, ANA, "Fui removido do grupo “rios-docs”"))


async def nagged(w: World) -> None:
    """A task due in a week: its three people are reminded on their own platforms at the first
    working hour where each of them is — Ana (Maputo) and Marie (Dakar) at 13:00 UTC, Diego
    when it is 09:00 in Lima (14:00 UTC)."""
    await w.telegram_turn(ANA, "/newtask Orçamento")
    await w.telegram_turn(ANA, "Planilha")
    await w.telegram_turn(ANA, "2026-03-09")
    await w.telegram_turn(ANA, "Ana, Diego, Marie")
    assert "T2 Orçamento" in await w.telegram_turn(ANA, press="Sem parcela")
    reminders = {"ana": "⏰ Lembrete: T2 «Orçamento» da equipe Rios vence em 7 dia(s)",
                 "diego": "⏰ Recordatorio: T2 «Orçamento» del equipo Rios vence en 7 día(s)",
                 "marie": "⏰ Rappel : T2 « Orçamento » de l'équipe Rios est à rendre dans 7"}
    reminded = {"ana": telegram_has(w, ANA, reminders["ana"]),
                "diego": slack_has(w, DIEGO, reminders["diego"]),
                "marie": console_has(w, "marie", reminders["marie"])}
    when: dict[str, datetime] = {}
    hour = START
    while len(when) < 3 and hour < START + timedelta(days=1):
        hour += timedelta(hours=1)
        if await w.sweep_at(hour):
            await w.until(lambda: any(r() for who, r in reminded.items() if who not in when))
            await w.settle()
        when.update({who: hour for who, r in reminded.items() if r() and who not in when})
    assert when == {"ana": START + timedelta(hours=1), "marie": START + timedelta(hours=1),
                    "diego": START + timedelta(hours=2)}
    assert not telegram_has(w, DIEGO_TG, reminders["diego"])()  # he wrote last from Slack


async def test_one_team_on_telegram_slack_and_the_console(
        slack: tuple[SlackServer, AsyncWebClient], bot_api_server: BotApiServer,
        tmp_path: Path, database_url: str) -> None:
    server, client = slack
    server.workspace.add_user(CARLA, "Carla", tz="Africa/Maputo")
    server.workspace.add_user(DIEGO, "Diego", locale="es-ES", tz="America/Lima")
    server.workspace.add_user(RITA, "Rita", locale="pt-BR", tz="Africa/Luanda")
    async with running_world(server, client, bot_api_server, tmp_path, database_url, START,
                             coordinator=CARLA) as w:
        await people_arrive(w)
        await team_forms(w)
        await team_talks(w)
        await deliverable_reviewed(w)
        await second_round(w)
        await help_answered(w)
        await broadcast_with_a_file(w)
        await event_invitation(w)
        await diego_links_telegram(w)
        await two_team_groups(w)
        await nagged(w)
        # Nothing was lost on the way: every payload handled, every message sent.
        await w.settle()
        assert await w.unfinished() == []
