"""Typed answers to a question with buttons: a label (or a near miss) presses its button; an
answer that fits no option asks the same question again, with the options and the valid range.

The options come from the conversation (`Ctx.say` keeps those of the latest question), so this
works for every flow without the flow knowing.
"""

from __future__ import annotations

from types import ModuleType

from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu
from bot.flows.base import ASKED, CHOICES, Ctx
from bot.services import choices
from bot.services.numerals import number


def options(ctx: Ctx) -> list[choices.Option]:
    return [(label, data) for row in ctx.conv.data.get(CHOICES, []) for label, data in row]


def waiting_for_choice(ctx: Ctx) -> bool:
    """Whether the latest question can only be answered by one of its options."""
    asked = ctx.conv.data.get(ASKED) or ["", ""]
    return bool(ctx.conv.data.get(CHOICES)) and asked[1] == Expect.CHOICE.value


async def take(ctx: Ctx, flow: ModuleType | None = None) -> bool:
    """Turns a typed label into its button press (changing `ctx.inc`); True when it re-asked
    instead, because the text answers the question but fits none of its options.

    `flow` is the module of the flow in progress: a question another module asked meanwhile (a
    rating while browsing policies) is re-asked only for an answer-like text, and the flow's
    `typed_answer(ctx, text)`, if it has one, may take a text that names no option."""
    flow_prefix = getattr(flow, "PREFIX", None)
    text = (ctx.inc.text or "").strip()
    found = options(ctx)
    if ctx.inc.kind is not InKind.TEXT or not text or not found or menu.recognise(ctx, text):
        return False
    strict = waiting_for_choice(ctx)
    data = choices.match(text, found, loose=strict)
    if data:
        ctx.inc = ctx.inc.model_copy(update={"kind": InKind.BUTTON, "data": data, "text": None,
                                             "message_ref": None, "button_ref": None})
        return False
    foreign = not flow_prefix or any(not d.startswith(f"{flow_prefix}:") for _, d in found)
    if not strict or (foreign and not choices.answer_like(text)):
        return False  # the flow reads the text itself, or it is a new request
    typed_answer = getattr(flow, "typed_answer", None)
    if not foreign and typed_answer is not None and await typed_answer(ctx, text):
        return True
    reask(ctx, text)
    return True


def reask(ctx: Ctx, text: str, reason: str | None = None) -> None:
    """Asks the latest question again, saying why the answer did not fit."""
    found = options(ctx)
    limits = choices.span(found)
    typed = text[:20]
    if reason is None and limits and number(text) is not None:
        reason = ctx.t("nlu.out_of_range", text=typed, low=limits[0], high=limits[1])
    elif reason is None:
        reason = ctx.t("nlu.no_option", text=typed)
    rows = [[Choice(label=label, data=data) for label, data in row]
            for row in ctx.conv.data.get(CHOICES, [])]
    asked = ctx.conv.data.get(ASKED) or ["", ""]
    ctx.say(f"{reason}\n\n{asked[0]}".strip(), choices=rows,
            expect=Expect(asked[1]) if asked[1] else None)
    ctx.conv.data[ASKED] = asked  # the question stays the original one
