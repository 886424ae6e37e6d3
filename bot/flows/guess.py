"""A problem typed at the main menu: the bot names the category it guessed and offers to file it.

```mermaid
stateDiagram-v2
    [*] --> confirm: typed text names a known problem ("the bin downstairs is full…")
    confirm --> report: yes (category and description kept; on to the next question)
    confirm --> report: Another category (description kept; choose the category)
    confirm --> [*]: Not a report (a policy answer if one fits, else the menu)
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Expect
from bot.flows import activities, answers, menu, policy, report
from bot.flows.base import Ctx
from bot.services.numerals import intent

NAME = "guess"
PREFIX = "g1"


class Step(StrEnum):
    CONFIRM = "confirm"


async def take(ctx: Ctx, text: str) -> bool:
    """Routes a sentence typed outside any flow: activities, volunteering, a benefit question
    or a problem to report; False when it is none of them."""
    wanted = intent(text)
    if wanted == "activities":
        await activities.start(ctx)
        return True
    if wanted == "volunteer":
        await activities.volunteer_start(ctx)
        return True
    if wanted == "policy":
        await policy.answer_question(ctx, text)
        return True
    if ctx.user.role != "resident":  # staff typing at the menu are not filing reports
        return False
    found = ctx.svc.triage.of(ctx.community).guess(text)
    if found is None:
        return False
    ctx.go(NAME, Step.CONFIRM, category=found.category.id, text=text.strip())
    ctx.say(ctx.t("nlu.guess", category=found.category.name.get(ctx.lang), text=text.strip()),
            choices=[[ctx.choice("nlu.guess_yes", "g1:yes:x"),
                      ctx.choice("nlu.guess_other", "g1:other:x"),
                      ctx.choice("nlu.guess_no", "g1:no:x")]], expect=Expect.CHOICE)
    return True


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Files the guess, lets the resident choose another category, or drops it."""
    if ctx.conv.flow != NAME or ctx.conv.step != Step.CONFIRM:
        ctx.refuse()
        return
    category, text = ctx.conv.data["category"], ctx.conv.data["text"]
    if action == "yes":
        await report.start_typed(ctx, text, category)
    elif action == "other":
        await report.start_typed(ctx, text, None)
    elif action == "no":
        ctx.end()
        if not await policy.answer_question(ctx, text, quiet=True):
            menu.show(ctx, "nlu.not_a_report")
    else:
        ctx.refuse()


async def on_input(ctx: Ctx) -> None:
    """Anything typed that is not one of the three answers asks again."""
    answers.reask(ctx, (ctx.inc.text or "").strip() or "…")
