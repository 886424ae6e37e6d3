"""How a message reads as a WeCom template card of the `button_interaction` kind: its first
line the title, its "Name: value" lines the facts (a ticket's category, state, place, time),
the rest its text, and its buttons' data the buttons' keys."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.messages import Choice, Outgoing
from bot.handlers.wechat import numbered

# WeCom's limits (some only advised) for a button_interaction card
MAX_BUTTONS, BUTTON_TEXT, REPLACE_LIMIT = 6, 12, 20  # REPLACE: a pressed card's one button
TITLE_TEXT, DESC_TEXT, SUB_TEXT = 36, 44, 160
MAX_FACTS, FACT_TEXT = 6, 30
# a "Name: value" line (either colon; not a link) is one of the card's facts
FACT = re.compile(r"^([^:\uff1a\s][^:\uff1a]{0,4})[:\uff1a](?!//)\s*(.+)$")


def card_buttons(message: Outgoing) -> list[Choice] | None:
    """The buttons of a message that fits a button_interaction card, else None (numbered)."""
    buttons = [c for row in message.choices for c in row]
    if not buttons or len(buttons) > MAX_BUTTONS or len(numbered(message)) != len(buttons):
        return None  # none, too many, or reply-keyboard keys (typed, not pressed)
    if any(len(c.label) > BUTTON_TEXT for c in buttons) or \
            len({c.data for c in buttons}) < len(buttons):
        return None
    return buttons


def layout(text: str, buttons: list[Choice], task_id: str) -> tuple[dict[str, Any], bool]:
    """The card: the first line as its title, "Name: value" lines as its facts, the rest as
    its text; True as well when the text is too long for a card (sent before it)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or ["-"]
    title, rest = lines[0], lines[1:]
    main: dict[str, str] = {"title": title[:TITLE_TEXT]}
    if rest and not FACT.match(rest[0]) and len(rest[0]) <= DESC_TEXT:
        main["desc"] = rest.pop(0)
    facts: list[dict[str, str]] = []
    others = [title] if len(title) > TITLE_TEXT else []
    for line in rest:
        fact = FACT.match(line)
        if fact and len(facts) < MAX_FACTS and len(fact.group(2)) <= FACT_TEXT:
            facts.append({"keyname": fact.group(1), "value": fact.group(2)})
        else:
            others.append(line)
    sub = "\n".join(others)
    overflow = len(sub) > SUB_TEXT
    card: dict[str, Any] = {
        "card_type": "button_interaction", "task_id": task_id, "main_title": main,
        "button_list": [{"type": 0, "text": c.label, "style": 1 if i == 0 else 2, "key": c.data}
                        for i, c in enumerate(buttons)]}
    if overflow:
        card["main_title"] = {"title": title[:TITLE_TEXT]}
    else:
        if sub:
            card["sub_title_text"] = sub
        if facts:
            card["horizontal_content_list"] = facts
    return card, overflow
