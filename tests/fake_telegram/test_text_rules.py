"""The fake Bot API's text rules: HTML parse mode, lengths counted after parsing in UTF-16 code
units, caption limits."""

from __future__ import annotations

import pytest

from tests.fake_telegram.raw import PARSE_ERROR, assert_rejected, call, send_text
from tests.helpers.fake_telegram import FakeTelegram, parse_html, utf16_len

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A & E", "Character '&' at byte offset 2"),
        ("I <3 you", 'Unsupported start tag "3"'),
        ("<foo>bar</foo>", 'Unsupported start tag "foo"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("&nbsp;", "Character '&'"),
    ],
)
async def test_bad_html_cannot_be_parsed(fake: FakeTelegram, text: str, reason: str) -> None:
    assert_rejected(await send_text(fake, text, parse_mode="HTML"), 400, f"{PARSE_ERROR}: {reason}")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("A&amp;E", "A&E"),
        ("&lt;3", "<3"),
        ("&quot;q&quot; &gt; &#65;&#x42;", '"q" > AB'),
        ('<a href="https://x.org/?a=1&b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>", "q s"),
        ('<span class="tg-spoiler">s</span> <B>caps</B> <s>x</s>', "s caps x"),
        ("no parse mode needed", "no parse mode needed"),
    ],
)
async def test_good_html_passes(fake: FakeTelegram, text: str, plain: str) -> None:
    status, body = await send_text(fake, text, parse_mode="HTML")
    assert status == 200, body
    assert body["result"]["text"] == plain
    assert fake.chat(1001).last_text() == plain


async def test_without_parse_mode_text_is_literal(fake: FakeTelegram) -> None:
    status, body = await send_text(fake, "<b>A & E</b>")
    assert status == 200 and body["result"]["text"] == "<b>A & E</b>"
    assert "entities" not in body["result"]


async def test_text_length_is_counted_after_parsing(fake: FakeTelegram) -> None:
    assert (await send_text(fake, "a" * 4096))[0] == 200
    assert_rejected(await send_text(fake, "a" * 4097), 400, "Bad Request: message is too long")
    many_tags = "<b>x</b><i>y</i>" * 2000  # 32,000 characters of HTML, 4,000 visible
    assert (await send_text(fake, many_tags, parse_mode="HTML"))[0] == 200
    assert (await send_text(fake, "&amp;" * 4096, parse_mode="HTML"))[0] == 200


async def test_text_length_counts_utf16_code_units(fake: FakeTelegram) -> None:
    assert utf16_len("😀") == 2
    assert (await send_text(fake, "😀" * 2048))[0] == 200
    assert_rejected(
        await send_text(fake, "😀" * 2048 + "a"), 400, "Bad Request: message is too long"
    )


async def test_caption_limit(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    status, body = await call(
        fake, "sendDocument", chat_id=1001, document="https://x.org/a.pdf", caption="c" * 1024
    )
    assert status == 200, body
    assert_rejected(
        await call(
            fake, "sendDocument", chat_id=1001, document="https://x.org/a.pdf", caption="c" * 1025
        ),
        400,
        "Bad Request: message caption is too long",
    )


def test_parser_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold</b> <a href='https://x.org'>x</a>")
    assert parsed.plain == "😀 bold x"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "url": "https://x.org", "length": 1},
    ]
