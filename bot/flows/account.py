"""The user's own account: help, language, privacy, export and deletion of their data."""

from __future__ import annotations

import base64

from bot.domain.kb import KnowledgeBaseError
from bot.domain.messages import Attachment
from bot.domain.models import Role, open_states
from bot.flows import menu
from bot.flows.base import Ctx
from bot.flows.command import OFFICE, Command
from bot.i18n import normalise_language

NAME = "account"
PREFIX = "u1"


async def cmd_help(ctx: Ctx) -> None:
    """Explains what this user can do, by role."""
    from bot.flows.commands import help_text

    ctx.say(help_text(ctx), keyboard=menu.keyboard(ctx))


async def cmd_lang(ctx: Ctx, arg: str) -> None:
    """Switches between Chinese and English."""
    if arg.strip().lower() not in ("zh", "en", "zh-hans", "cn"):
        ctx.say(ctx.t("account.lang_usage"))
        return
    lang = normalise_language(arg.strip())
    await ctx.r.users.update(ctx.user.id, lang=lang)
    ctx.user = ctx.user.model_copy(update={"lang": lang})
    if ctx.user.is_registered:
        from bot.flows.commands import sync_menu

        sync_menu(ctx)  # the menu's descriptions in the new language
    menu.show(ctx, "account.lang_set")


async def cmd_privacy(ctx: Ctx) -> None:
    """Repeats the privacy notice and the data commands."""
    ctx.say(ctx.t("account.privacy", community=ctx.community.name.get(ctx.lang)))


async def cmd_mydata(ctx: Ctx) -> None:
    """Sends the user everything stored about them."""
    from bot.services.mydata import as_json, my_data

    data = await my_data(ctx.r, ctx.svc.users, ctx.svc.catalog, ctx.community,
                         ctx.svc.settings.timezone, ctx.user)
    dump = as_json(data)
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t(
        "setup.mydata_sent", tickets=len(data["tickets"]), activities=len(data["activities"]),
        hours=f"{data['volunteer']['hours_total']:g}"),
        files=[Attachment(filename="linli-my-data.json",
                          data_b64=base64.b64encode(dump).decode())])


async def cmd_deleteme(ctx: Ctx) -> None:
    """Asks for confirmation before deleting the user's data, warning of open tickets."""
    open_ones = await ctx.r.tickets.find(reporter_id=ctx.user.id, states=open_states(),
                                         limit=20)
    text = ctx.t("account.confirm_delete")
    if open_ones:
        text += "\n\n" + ctx.t("privacy.open_tickets_warning", count=len(open_ones),
                                numbers=", ".join(t.number for t in open_ones))
    ctx.say(text, choices=[
        [ctx.choice("btn.delete_yes", "u1:delete:yes"), ctx.choice("btn.cancel", "u1:delete:no")]])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Deletes the user's data on confirmation; Back in any multi-step flow."""
    if action == "back":
        if ctx.conv.flow and value == ctx.conv.step[:56] and ctx.back():
            return
        ctx.refuse()
        return
    if action == "delete" and value == "yes":
        if ctx.user.role is not Role.RESIDENT:
            ctx.say(ctx.t("account.delete_staff"))
            return
        from bot.flows.activities import tell_promoted

        for registration, _ in await ctx.r.activities.of_user(ctx.user.id):
            _, activity, promoted = await ctx.svc.activities.withdraw(ctx.r, ctx.user,
                                                                      registration.id)
            await tell_promoted(ctx, activity, promoted)
        await ctx.svc.users.forget(ctx.r, ctx.user, ctx.svc.catalog.t(
            ctx.svc.settings.default_language, "privacy.deleted_note"))
        ctx.deleted = True
        ctx.say(ctx.t("account.deleted"), remove_keyboard=True)
    elif action == "delete":
        ctx.say(ctx.t("account.delete_cancelled"), edit=True)
    else:
        ctx.refuse()


async def cmd_kb(ctx: Ctx, arg: str) -> None:
    """`/kb reload`: staff reload the policy files after editing them."""
    if not ctx.user.is_office:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    if arg.strip() != "reload":
        ctx.say(ctx.t("account.kb_usage"))
        return
    try:
        kb = ctx.svc.policy.reload()
    except KnowledgeBaseError as exc:
        ctx.say(ctx.t("account.kb_broken", errors=str(exc)[:3000]))
        return
    ctx.say(ctx.t("account.kb_reloaded", count=len(kb.programmes)))


async def cmd_start(ctx: Ctx, args: str) -> None:
    """`/start [code]`: onboarding, an invite code, a community's link or a check-in QR code."""
    from bot.flows import onboarding, organise

    if args.strip().startswith("ci_"):  # a scanned check-in QR code
        return await organise.cmd_checkin(ctx, args.strip()[3:])
    return await onboarding.start(ctx, args.strip())


async def cmd_cancel(ctx: Ctx) -> None:
    """Leaves any flow without changing anything else."""
    was_busy = not ctx.conv.idle
    if ctx.conv.flow == "report" and ctx.conv.data.get("photos"):
        from bot.flows import report

        return report.ask_discard(ctx)  # photos are not thrown away without asking
    ctx.end()
    if ctx.user.is_registered:
        return menu.show(ctx, "menu.cancelled" if was_busy else "menu.nothing_to_cancel")
    ctx.say(ctx.t("menu.cancelled_unregistered"), remove_keyboard=True)
    return None


async def cmd_menu(ctx: Ctx) -> None:
    """Shows the main menu."""
    menu.show(ctx)


COMMANDS = (
    Command("start", cmd_start, before_registration=True),
    Command("help", cmd_help, before_registration=True, ends_flow=True),
    Command("cancel", cmd_cancel, before_registration=True),
    Command("menu", cmd_menu, ends_flow=True, in_menu=False),  # the keyboard is the menu
    Command("lang", cmd_lang, before_registration=True),
    Command("privacy", cmd_privacy, before_registration=True, ends_flow=True),
    Command("mydata", cmd_mydata, before_registration=True, ends_flow=True),
    Command("deleteme", cmd_deleteme, before_registration=True, ends_flow=True),
    Command("kb", cmd_kb, roles=OFFICE),
)
