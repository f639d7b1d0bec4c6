"""Outbox text for Slack: control characters escaped so nothing can be injected, and long
texts in readable messages and sections that stay under Slack's limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.text import (
    MESSAGE_LIMIT,
    SECTION_LIMIT,
    button_label,
    escape,
    escaped_length,
    slack_messages,
    split_plain,
)


def test_mentions_and_links_cannot_be_injected() -> None:
    typed = "<!channel> <!here> <@U0ANA0001> <https://evil.example|bank> a & b > c"
    shown = escape(typed)
    assert "<" not in shown and ">" not in shown
    assert shown == ("&lt;!channel&gt; &lt;!here&gt; &lt;@U0ANA0001&gt; "
                     "&lt;https://evil.example|bank&gt; a &amp; b &gt; c")
    assert escape("&lt;") == "&amp;lt;"  # typed entities stay as typed
    (message,) = slack_messages("Ana wrote: <!channel> *urgent*")
    (block,) = message.blocks()
    assert block["text"] == {"type": "mrkdwn", "verbatim": True,
                             "text": "Ana wrote: &lt;!channel&gt; *urgent*"}
    assert message.text == block["text"]["text"]  # type: ignore[index]


def test_a_short_text_is_one_message_of_one_section() -> None:
    (message,) = slack_messages("Revisão de D1 v1 — aprovada.")
    assert message.sections == ("Revisão de D1 v1 — aprovada.",)


def test_long_text_breaks_at_paragraphs_then_sentences() -> None:
    paragraph = "Uma frase curta. " * 100  # 1,700 characters
    text = "\n\n".join([paragraph.strip()] * 6)
    messages = slack_messages(text)
    assert len(messages) == 3
    for message in messages:
        assert len(message.text) <= MESSAGE_LIMIT
        assert all(len(section) <= SECTION_LIMIT for section in message.sections)
        assert all(s.endswith("curta.") for s in message.sections)
    sentence = "Outra frase sem parágrafos. " * 300
    pieces = split_plain(sentence, 3_000)
    assert all(p.endswith(".") for p in pieces[:-1])


def test_escapes_count_and_are_never_cut() -> None:
    text = "&" * 1_000  # 5,000 characters once escaped
    messages = slack_messages(text)
    assert [len(m.text) for m in messages] == [4_000, 1_000]
    assert all(m.text.count("&amp;") * 5 == len(m.text) for m in messages)


def test_labels_fit_buttons() -> None:
    assert button_label("Aprovar") == "Aprovar"
    long = button_label("x" * 100)
    assert len(long) == 75 and long.endswith("…")


@given(st.text(alphabet=st.sampled_from("ab &<>.\n ç😀"), max_size=400),
       st.integers(min_value=5, max_value=60))
def test_splitting_loses_nothing(text: str, limit: int) -> None:
    pieces = split_plain(text, limit)
    assert all(escaped_length(p) <= limit for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")
