"""The main menu: large reply-keyboard buttons, one set for residents, one for staff."""

from __future__ import annotations

from bot.domain.messages import KeyButton
from bot.flows.base import Ctx

RESIDENT_MENU = (("menu.report", "menu.policy"), ("menu.activities", "menu.mytickets"))
WORKER_MENU = (("menu.queue", "menu.proxy"), ("menu.help",))
STREET_MENU = (("menu.help",),)  # a street office reads figures: /stats, /export


def keyboard(ctx: Ctx) -> list[list[KeyButton]]:
    layout = {"resident": RESIDENT_MENU, "street": STREET_MENU}.get(ctx.user.role, WORKER_MENU)
    return [[KeyButton(label=ctx.t(key)) for key in row] for row in layout]


def show(ctx: Ctx, text_key: str = "menu.prompt", **values: str) -> None:
    """Shows the main menu keyboard under a short text."""
    ctx.say(ctx.t(text_key, **values), keyboard=keyboard(ctx))


def recognise(ctx: Ctx, text: str | None) -> str | None:
    """The menu key whose label (in any language) the user sent, if any."""
    if not text:
        return None
    text = text.strip()
    for row in RESIDENT_MENU + WORKER_MENU:
        for key in row:
            if text in ctx.svc.catalog.all_labels(key):
                return key
    return None
