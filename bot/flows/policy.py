"""Benefits: browse programmes, a guided check, free-text questions, and asking a person.

```mermaid
stateDiagram-v2
    [*] --> home: Benefits
    home --> group: a group (elderly, disabled …)
    group --> card: a programme
    home --> answer: a typed question (search)
    answer --> card
    home --> check: What can I get
    check --> check: age, hukou, household, income, disability, status (each Not sure-able)
    check --> results
    card --> remind: Remind me of documents
    home --> question: Ask staff
    card --> question
    results --> question
    question --> [*]: consultation ticket to staff
```
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.kb import GROUPS, STATUSES
from bot.domain.messages import Choice, Expect, InKind
from bot.flows import answers, menu
from bot.flows.base import Ctx
from bot.services import numerals, when
from bot.services.policy import CONSULTATION
from bot.services.tickets import Draft

NAME = "policy"
PREFIX = "k1"
FORGET_AFTER = timedelta(minutes=30)  # check answers not handed to staff are dropped by then
CHECK_STEPS = ("age", "hukou", "household", "income", "disability", "status")
OFFERED_STATUSES = ("dibao", "tekun", "alone_elderly", "youfu", "unemployed", "chronic_disease",
                    "serious_illness", "housing_difficulty", "pregnant_planning",
                    "disaster_or_accident")


class Step(StrEnum):
    HOME = "home"
    QUESTION = "question"
    AGE = "age"
    HUKOU = "hukou"
    HOUSEHOLD = "household"
    INCOME = "income"
    DISABILITY = "disability"
    GRADE = "grade"
    STATUS = "status"
    WHEN = "when"  # the day of a documents reminder: a button or a typed date


async def start(ctx: Ctx) -> None:
    """Offers the groups, the guided check and a person; typing a question works too."""
    ctx.go(NAME, Step.HOME)
    rows = [[ctx.choice(f"policy.group_{g}", f"k1:group:{g}") for g in GROUPS[i:i + 2]]
            for i in range(0, len(GROUPS), 2)]
    rows.append([ctx.choice("btn.check", "k1:check:start")])
    rows.append([ctx.choice("btn.ask_person", "k1:ask:home")])
    ctx.say(ctx.t("policy.home"), choices=rows, expect=Expect.TEXT)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Groups, programme cards, reminders, the guided check and hand-over to staff."""
    kb = ctx.svc.policy.kb
    if ctx.conv.flow == NAME and ctx.conv.step == Step.HOME and action != "ask":
        ctx.conv.data.pop("answers", None)  # check answers live only until the next step
    if action == "home":
        await start(ctx)
    elif action == "group" and value in GROUPS:
        rows = [[Choice(label=p.name.get(ctx.lang), data=f"k1:show:{p.id}")]
                for p in kb.in_group(value)]
        ctx.go(NAME, Step.HOME)
        ctx.say(ctx.t("policy.group_title", group=ctx.t(f"policy.group_{value}")), choices=rows)
    elif action == "show" and (programme := kb.programme(value)):
        ctx.go(NAME, Step.HOME)
        ctx.say(ctx.svc.policy.card(ctx.lang, programme), choices=programme_buttons(ctx, value))
    elif action == "remind" and kb.programme(value):
        ctx.go(NAME, Step.WHEN, remind=value)
        ctx.say(ctx.t("policy.ask_when"), choices=[
            [ctx.choice(f"policy.when_{d}", f"k1:when:{value}:{d}") for d in ("1", "2")],
            [ctx.choice("policy.when_7", f"k1:when:{value}:7")]], expect=Expect.TEXT)
    elif action == "when" and kb.programme(value) and extra in ("1", "2", "7"):
        await schedule_reminder(ctx, value, int(extra))
    elif action == "check" and value == "start":
        ctx.go(NAME, Step.AGE, answers={}, statuses=[])
        ask(ctx, Step.AGE)
    elif action == "check" and ctx.conv.flow == NAME and ctx.conv.step == value:
        await answer_check(ctx, Step(value), extra)
    elif action == "ask":
        ctx.go(NAME, Step.QUESTION, about=value if kb.programme(value) or value == "check"
               else None, answers=ctx.conv.data.get("answers"))
        ctx.say(ctx.t("policy.ask_question"), choices=[[ctx.choice("btn.cancel", "k1:cancel:x")]],
                expect=Expect.TEXT)
    elif action == "cancel":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
    else:
        ctx.refuse()


def programme_buttons(ctx: Ctx, programme_id: str) -> list[list[Choice]]:
    return [[ctx.choice("btn.remind_documents", f"k1:remind:{programme_id}")],
            [ctx.choice("btn.ask_person", f"k1:ask:{programme_id}")]]


async def on_input(ctx: Ctx) -> None:
    """A typed question, a number for the check, or the question for staff."""
    text = (ctx.inc.text or "").strip()
    limit = ctx.svc.settings.max_text_length
    if ctx.inc.kind is InKind.VOICE and ctx.conv.step == Step.QUESTION and ctx.inc.file_id:
        await ask_staff(ctx, ctx.t("report.voice_description"), voice=ctx.inc.file_id)
    elif ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t("policy.need_text"))
    elif len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
    elif ctx.conv.step == Step.QUESTION:
        await ask_staff(ctx, text)
    elif ctx.conv.step == Step.WHEN:
        await typed_reminder(ctx, text)
    elif ctx.conv.step in (Step.AGE, Step.HOUSEHOLD, Step.INCOME):
        await answer_check(ctx, Step(ctx.conv.step), text)
    elif ctx.conv.step == Step.HOME:
        ctx.conv.data.pop("answers", None)
        await answer_question(ctx, text)
    else:
        ctx.say(ctx.t("err.use_buttons"))


async def answer_question(ctx: Ctx, text: str, *, quiet: bool = False) -> bool:
    """Answers a free-text question from the knowledge base; False when nothing fits (and,
    unless `quiet`, says so and offers a person)."""
    found = await ctx.svc.policy.ask(ctx.r, text, ctx.community.id)
    if found.faq:
        ctx.say(ctx.t("policy.faq_answer", question=found.faq[0], answer=found.faq[1]))
    if not found.programmes and not found.faq:
        if not quiet:
            ctx.say(ctx.t("policy.no_match"),
                    choices=[[ctx.choice("btn.ask_person", "k1:ask:home")]])
        return False
    if found.programmes:
        best = found.programmes[0]
        others = [[Choice(label=ctx.t("policy.see_also", name=p.name.get(ctx.lang)),
                          data=f"k1:show:{p.id}")] for p in found.programmes[1:]]
        ctx.say(ctx.svc.policy.brief(ctx.lang, best, text),
                choices=[[ctx.choice("btn.full_card", f"k1:show:{best.id}")], *others,
                         [ctx.choice("btn.ask_person", f"k1:ask:{best.id}")]])
    return True


# --- the guided check ------------------------------------------------------------------------

LIMITS = {Step.AGE: (0, 120), Step.HOUSEHOLD: (1, 30), Step.INCOME: (0, 10_000_000)}

def ask(ctx: Ctx, step: Step) -> None:
    """Says why the question is asked, then asks it; every question can be skipped."""
    ctx.conv.step = step
    skip = ctx.choice("btn.unsure", f"k1:check:{step.value}:skip")
    rows: list[list[Choice]] = []
    if step is Step.HUKOU:
        rows = [[ctx.choice("btn.yes", "k1:check:hukou:yes"),
                 ctx.choice("btn.no", "k1:check:hukou:no")]]
    elif step is Step.DISABILITY:
        rows = [[ctx.choice("check.no_disability", "k1:check:disability:none")],
                [ctx.choice("check.has_certificate", "k1:check:disability:yes")]]
    elif step is Step.GRADE:
        rows = [[Choice(label=ctx.t("check.grade", n=n), data=f"k1:check:grade:{n}")
                 for n in range(1, 5)]]
    elif step is Step.STATUS:
        chosen = set(ctx.conv.data.get("statuses", []))
        rows = [[Choice(label=("✅ " if s in chosen else "") + ctx.t(f"status.{s}"),
                        data=f"k1:check:status:{s}")] for s in OFFERED_STATUSES]
        rows.append([ctx.choice("btn.done", "k1:check:status:done")])
    ctx.say(ctx.t(f"check.why_{step.value}") + "\n\n" + ctx.t(f"check.ask_{step.value}"),
            choices=rows + [[skip]], expect=Expect.CHOICE if rows else Expect.TEXT)


async def answer_check(ctx: Ctx, step: Step, value: str) -> None:
    """Keeps one answer (for this conversation only) and asks the next question."""
    answers: dict = ctx.conv.data.setdefault("answers", {})
    nxt = {Step.AGE: Step.HUKOU, Step.HUKOU: Step.HOUSEHOLD, Step.HOUSEHOLD: Step.INCOME,
           Step.INCOME: Step.DISABILITY, Step.DISABILITY: Step.STATUS, Step.GRADE: Step.STATUS}
    if value == "skip":
        if step is Step.STATUS:
            return await finish_check(ctx)
        return ask(ctx, nxt[step])
    number = numerals.number(value)  # 85, eighty-five, 85 years old, two people, 1,200 yuan
    if step is Step.AGE and number is not None and 0 <= number <= LIMITS[Step.AGE][1]:
        answers["age"] = int(number)
    elif step is Step.HUKOU and value in ("yes", "no"):
        answers["hukou_local"] = value == "yes"
    elif step is Step.HOUSEHOLD and number is not None and 1 <= number <= LIMITS[step][1]:
        answers["household_size"] = int(number)
    elif step is Step.INCOME and number is not None and 0 <= number <= 10_000_000:
        size = answers.get("household_size")
        if size:
            answers["income_per_capita"] = number / size  # unrounded: 899.5 is below 900
        else:
            ctx.say(ctx.t("check.income_unused"))
    elif step is Step.DISABILITY and value in ("none", "yes"):
        answers["has_disability_certificate"] = value == "yes"
        if value == "yes":
            return ask(ctx, Step.GRADE)
        answers["disability_grade"] = None
    elif step is Step.GRADE and value in ("1", "2", "3", "4"):
        answers["disability_grade"] = int(value)
    elif step is Step.STATUS and value == "done":
        answers["special_status"] = list(ctx.conv.data.get("statuses", []))
        return await finish_check(ctx)
    elif step is Step.STATUS and value in STATUSES:
        chosen: list = ctx.conv.data.setdefault("statuses", [])
        chosen.remove(value) if value in chosen else chosen.append(value)
        return ask(ctx, Step.STATUS)
    elif number is not None and step in LIMITS:
        low, high = LIMITS[step]
        ctx.say(ctx.t("nlu.number_out_of_range", value=f"{number:g}", low=low, high=high))
        return None
    else:
        key = "check.need_number" if step in (Step.AGE, Step.HOUSEHOLD, Step.INCOME) \
            else "err.use_buttons"
        ctx.say(ctx.t(key))
        return None
    return ask(ctx, nxt[step])


async def finish_check(ctx: Ctx) -> None:
    """Shows what likely applies and why; the answers are forgotten unless handed to staff."""
    answers = ctx.conv.data.get("answers", {})
    results = ctx.svc.policy.check(answers)
    ctx.conv.step = Step.HOME
    buttons = [[Choice(label=a.programme.name.get(ctx.lang), data=f"k1:show:{a.programme.id}")]
               for a in results[:6]]
    ctx.say(ctx.svc.policy.results(ctx.lang, results),
            choices=buttons + [[ctx.choice("btn.ask_person", "k1:ask:check")]])
    await ctx.r.timers.add("kb/forget", ctx.svc.clock.now() + FORGET_AFTER, ctx.svc.clock.now(),
                           ref_id=ctx.user.id)


# --- a person, and reminders -----------------------------------------------------------------

async def ask_staff(ctx: Ctx, question: str, voice: str | None = None) -> None:
    """Files the question (typed, or a voice message attached) as a consultation ticket."""
    data = ctx.conv.data
    about = ctx.svc.policy.kb.programme(data.get("about") or "")
    parts = [question]
    if about:
        parts.append(ctx.t("policy.about", name=about.name.get(ctx.lang)))
    if data.get("about") == "check" and data.get("answers"):  # handed over by the resident
        parts.append(ctx.t("policy.shared_answers", answers=_summary(ctx, data["answers"])))
    draft = Draft(category_id=CONSULTATION, description="\n".join(parts), voice_file_id=voice)
    ticket = await ctx.svc.tickets.create(ctx.r, ctx.community, ctx.user, draft)
    await ctx.svc.notifier.new_ticket(ctx.r, ctx.community, ticket)
    ctx.end()
    if voice:
        ctx.say(ctx.t("nlu.voice_attached"))
    menu.show(ctx, "policy.asked", number=ticket.number)


def _summary(ctx: Ctx, answers: dict) -> str:
    """The check's answers in words, for the staff member the resident hands the case to."""
    def word(value: object) -> str:
        if isinstance(value, bool):
            return ctx.t("btn.yes" if value else "btn.no")
        if isinstance(value, list):
            return ctx.t("check.separator").join(ctx.t(f"status.{s}") for s in value) or "—"
        if isinstance(value, float):
            return f"{value:.0f}"
        return str(value)

    return ctx.t("check.separator").join(f"{ctx.t(f'check.field_{k}')}={word(v)}"
                                         for k, v in answers.items() if v is not None)


async def schedule_reminder(ctx: Ctx, programme_id: str, days: int, *, edit: bool = True,
                            day: date | None = None) -> None:
    """A reminder of the documents at 08:00 on the chosen day."""
    tz = ZoneInfo(ctx.svc.settings.timezone)
    day = day or ctx.svc.clock.now().astimezone(tz).date() + timedelta(days=days)
    due = datetime.combine(day, time(8, 0), tz)
    await ctx.r.timers.add("kb/remind", due, ctx.svc.clock.now(), ref_id=ctx.user.id,
                           payload={"programme": programme_id})
    if ctx.conv.flow == NAME and ctx.conv.step == Step.WHEN:
        ctx.go(NAME, Step.HOME)
    ctx.say(ctx.t("policy.reminder_set", date=f"{day:%m-%d}"), edit=edit)


async def typed_reminder(ctx: Ctx, text: str) -> None:
    """Takes a typed day (tomorrow, Wednesday next week, 12-5); a past or unreadable one is asked
    again."""
    moment = when.read(text, ctx.svc.clock.now(), ctx.svc.settings.timezone)
    now = ctx.svc.clock.now().astimezone(ZoneInfo(ctx.svc.settings.timezone))
    if moment is None:
        return answers.reask(ctx, text, ctx.t("nlu.date_unknown", text=text[:20]))
    if datetime.combine(moment.day, time(8, 0), now.tzinfo) <= now:
        return answers.reask(ctx, text, ctx.t("nlu.date_past", date=f"{moment.day:%m-%d}"))
    if moment.day > now.date() + timedelta(days=366):
        return answers.reask(ctx, text, ctx.t("nlu.date_too_far", date=f"{moment.day:%Y-%m-%d}"))
    await schedule_reminder(ctx, ctx.conv.data["remind"], 0, edit=False, day=moment.day)


async def reminder_due(ctx_svc, r, community, timer) -> None:  # noqa: ANN001
    """Sends the documents list the resident asked for, or forgets stale check answers."""
    if timer.kind == "kb/forget":
        stored = await r.conversations.get(timer.ref_id or 0)
        if stored and "answers" in stored[2]:
            data = {k: v for k, v in stored[2].items() if k != "answers"}
            await r.conversations.put(timer.ref_id, stored[0], stored[1], data,
                                      ctx_svc.clock.now())
        return
    user = await r.users.get(timer.ref_id or 0)
    programme = ctx_svc.policy.kb.programme(timer.payload.get("programme", ""))
    if user is None or programme is None:
        return
    text = ctx_svc.catalog.t(user.lang, "policy.reminder", name=programme.name.get(user.lang)) \
        + "\n" + ctx_svc.policy.documents(user.lang, programme) + "\n" + ctx_svc.catalog.t(
            user.lang, "policy.where", text=programme.where.get(user.lang))
    await ctx_svc.notifier.send(r, user, text, bulk=True)

