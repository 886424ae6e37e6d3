"""💾 Save as FAQ: staff review the question and the answer before an FAQ is published.

The proposal is the resident's first line and the staff answer, with phone numbers and the
resident's name already masked; staff type a better version of each, or keep it.

```mermaid
stateDiagram-v2
    [*] --> question: 💾 Save as FAQ (proposed question shown)
    question --> answer: edited question typed / Keep
    answer --> [*]: edited answer typed / Keep (published)
    question --> [*]: Cancel
    answer --> [*]: Cancel
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Expect, InKind
from bot.domain.models import Ticket
from bot.domain.redact import mask
from bot.flows.base import Ctx

NAME = "faq"
PREFIX = "d1"
MAX_QUESTION = 300


class Step(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"


async def begin(ctx: Ctx, ticket: Ticket, question: str, answer: str) -> None:
    """Shows the proposed question, masked, for staff to keep or rewrite."""
    reporter = await ctx.r.users.get(ticket.reporter_id) if ticket.reporter_id else None
    names = [reporter.contact_name, reporter.display_name] if reporter else []
    ctx.go(NAME, Step.QUESTION, ticket=ticket.id, question=mask(question, names)[:MAX_QUESTION],
           answer=mask(answer, names))
    ask(ctx, Step.QUESTION)


def ask(ctx: Ctx, step: Step) -> None:
    """Shows the current proposal with Keep and Cancel."""
    key = "privacy.faq_review_question" if step is Step.QUESTION else "privacy.faq_review_answer"
    ctx.say(ctx.t(key, question=ctx.conv.data["question"], answer=ctx.conv.data["answer"]),
            choices=[[ctx.choice("privacy.btn_keep", f"d1:keep:{step.value}"),
                      ctx.choice("btn.cancel", "d1:cancel:x")]], expect=Expect.TEXT)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Keep keeps the shown text; Cancel publishes nothing."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            ctx.say(ctx.t("privacy.faq_cancelled"))
    elif action == "keep" and ctx.conv.flow == NAME and ctx.conv.step == value:
        await next_step(ctx)
    else:
        ctx.refuse()


async def on_input(ctx: Ctx) -> None:
    """Takes the edited question or answer."""
    text = (ctx.inc.text or "").strip()
    limit = MAX_QUESTION if ctx.conv.step == Step.QUESTION else ctx.svc.settings.max_text_length
    if ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t("privacy.faq_need_text"))
        return
    if len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
        return
    ctx.conv.data[ctx.conv.step] = text
    await next_step(ctx)


async def next_step(ctx: Ctx) -> None:
    """After the question comes the answer; after the answer the FAQ is published."""
    if ctx.conv.step == Step.QUESTION:
        ctx.conv.step = Step.ANSWER
        ask(ctx, Step.ANSWER)
        return
    data = ctx.conv.data
    await ctx.r.faqs.add(data["question"], data["answer"], data.get("ticket"), ctx.user.id,
                         ctx.svc.clock.now(), ctx.community.id)
    ctx.end()
    ctx.say(ctx.t("work.faq_saved"))
