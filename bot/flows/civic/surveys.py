"""Surveys: staff send a questionnaire (e.g. the annual satisfaction survey); residents answer.

```mermaid
stateDiagram-v2
    [*] --> template: /survey (staff)
    template --> [*]: anonymous / named (sent to every resident)
    template --> [*]: New questionnaire (written in chat: survey_compose)
    [*] --> question: Start (resident)
    question --> question: star, option or text answer (next question)
    question --> [*]: last answer (stored once)
```
`/surveyresults ID`: the results and a chart. `/surveys`: the community's surveys with their
answers so far; an open one can be closed early.
"""

from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.domain.surveys import Question
from bot.flows.base import Ctx, parse_id
from bot.flows.civic import survey_compose
from bot.flows.command import OFFICE, Command
from bot.services.tickets import TicketError

NAME = "survey"
PREFIX = "y2"


async def cmd_survey(ctx: Ctx) -> None:
    """Lists the questionnaires staff can send, and New questionnaire."""
    try:
        ctx.svc.surveys.authorise(ctx.user, ctx.community, "send")
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    rows = [[Choice(label=t.title.get(ctx.lang), data=f"y2:tpl:{t.id}")]
            for t in ctx.svc.surveys.templates.templates]
    ctx.say(ctx.t("survey.pick"), choices=[*rows, survey_compose.new_button(ctx)])


async def cmd_results(ctx: Ctx, arg: str) -> None:
    """`/surveyresults ID`: results so far, with a chart."""
    survey = await ctx.r.surveys.get(parse_id(arg.strip()) or 0)
    try:
        ctx.svc.surveys.authorise(ctx.user, ctx.community, "results", survey)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    if survey is None:
        ctx.say(ctx.t("survey.results_usage"))
        return
    text, chart = await ctx.svc.surveys.results(ctx.r, survey, ctx.lang)
    await ctx.svc.notifier.send(ctx.r, ctx.user, text, files=[Attachment(
        filename=f"survey-{survey.id}.png", as_photo=True,
        data_b64=base64.b64encode(chart).decode())])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a survey button."""
    try:
        if action == "tpl":
            ctx.svc.surveys.authorise(ctx.user, ctx.community, "send")
            ctx.say(ctx.t("survey.ask_anonymous"), choices=[[
                ctx.choice("survey.btn_anonymous", f"y2:send:{value}:1"),
                ctx.choice("survey.btn_named", f"y2:send:{value}:0")]])
        elif action == "send":
            survey, sent = await ctx.svc.surveys.send(ctx.r, ctx.community, ctx.user, value,
                                                      extra == "1")
            ctx.say(ctx.t("survey.sent", id=survey.id, count=sent), edit=True)
        elif action == "close" and (survey_id := parse_id(value)) is not None:
            await close(ctx, survey_id)
        elif action == "go" and (survey_id := parse_id(value)) is not None:
            await begin(ctx, survey_id)
        elif action == "a" and ctx.conv.flow == NAME and \
                parse_id(value) == ctx.conv.data.get("survey"):
            await answer(ctx, extra)
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def cmd_surveys(ctx: Ctx) -> None:
    """`/surveys`: the community's surveys with their answers so far; open ones can be closed."""
    try:
        ctx.svc.surveys.authorise(ctx.user, ctx.community, "results")
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    surveys = await ctx.r.surveys.of_community(ctx.community.id)
    if not surveys:
        ctx.say(ctx.t("survey_new.none"))
        return
    counts = await ctx.r.surveys.counts([s.id for s in surveys])
    tz = ZoneInfo(ctx.svc.settings.timezone)
    lines, rows = [ctx.t("survey_new.list_title")], []
    for survey in surveys:
        title = survey.title.get("en" if ctx.lang == "en" else "zh") or survey.title["zh"]
        lines.append(ctx.t(f"survey_new.list_{survey.status}", id=survey.id, title=title,
                           count=counts.get(survey.id, 0),
                           closes=f"{survey.closes_at.astimezone(tz):%m-%d}"))
        if survey.status == "open":
            rows.append([ctx.choice("survey_new.btn_close", f"y2:close:{survey.id}",
                                    id=survey.id)])
    ctx.say("\n".join(lines), choices=rows)


async def close(ctx: Ctx, survey_id: int) -> None:
    """Closes a survey before its time."""
    survey = await ctx.svc.surveys.close(ctx.r, ctx.community, ctx.user, survey_id)
    count = (await ctx.r.surveys.counts([survey.id])).get(survey.id, 0)
    ctx.toast = ctx.t("survey_new.closed", id=survey.id, count=count)
    ctx.say(ctx.t("survey_new.closed", id=survey.id, count=count))


async def begin(ctx: Ctx, survey_id: int) -> None:
    """Starts the questionnaire, unless already answered."""
    survey = await ctx.r.surveys.get(survey_id)
    ctx.svc.surveys.authorise(ctx.user, ctx.community, "answer", survey)
    if await ctx.r.surveys.answered(survey_id, ctx.user.id):
        ctx.say(ctx.t("survey.already"))
        return
    ctx.go(NAME, "question", survey=survey_id, answers={})
    await ask(ctx)


async def _current(ctx: Ctx) -> tuple[list[Question], int]:
    survey = await ctx.r.surveys.get(int(ctx.conv.data["survey"]))
    if survey is None:
        raise TicketError("err.stale")
    questions = ctx.svc.surveys.questions(survey)
    return questions, len(ctx.conv.data["answers"])


async def ask(ctx: Ctx) -> None:
    """Asks the next question with its stars or options."""
    questions, index = await _current(ctx)
    q, sid = questions[index], ctx.conv.data["survey"]
    text = ctx.t("survey.question", n=index + 1, total=len(questions), text=q.text.get(ctx.lang))
    if q.kind == "rating":
        choices = [[Choice(label="⭐" * s, data=f"y2:a:{sid}:{s}") for s in range(1, 6)]]
    elif q.kind == "choice":
        choices = [[Choice(label=o.get(ctx.lang), data=f"y2:a:{sid}:{i}")]
                   for i, o in enumerate(q.options)]
    else:
        choices = []
    ctx.say(text, choices=choices, expect=Expect.TEXT if q.kind == "text" else Expect.CHOICE)


async def answer(ctx: Ctx, value: str) -> None:
    """Keeps one answer; after the last, stores them all at once."""
    questions, index = await _current(ctx)
    q = questions[index]
    number = parse_id(value)
    if q.kind == "rating" and number is not None and 1 <= number <= 5:
        ctx.conv.data["answers"][q.key] = number
    elif q.kind == "choice" and number is not None and number < len(q.options):
        ctx.conv.data["answers"][q.key] = number
    elif q.kind == "text" and value.strip() and len(value) <= 500:
        ctx.conv.data["answers"][q.key] = value.strip()
    else:
        ctx.say(ctx.t(f"survey.need_{q.kind}"))
        return
    if len(ctx.conv.data["answers"]) < len(questions):
        return await ask(ctx)
    survey_id, answers = int(ctx.conv.data["survey"]), dict(ctx.conv.data["answers"])
    ctx.end()
    stored = await ctx.svc.surveys.respond(ctx.r, ctx.community, ctx.user, survey_id, answers)
    ctx.say(ctx.t("survey.thanks" if stored else "survey.already"))
    return None


async def on_input(ctx: Ctx) -> None:
    """A typed answer (text questions; a digit also answers a rating or choice)."""
    if ctx.inc.kind is not InKind.TEXT:
        questions, index = await _current(ctx)
        ctx.say(ctx.t(f"survey.need_{questions[index].kind}"))
        return
    try:
        await answer(ctx, ctx.inc.text or "")
    except TicketError as refusal:
        ctx.end()
        ctx.say(ctx.t(refusal.key))


COMMANDS = (
    Command("survey", cmd_survey, roles=OFFICE, ends_flow=True),
    Command("surveyresults", cmd_results, roles=OFFICE),
    Command("surveys", cmd_surveys, roles=OFFICE, ends_flow=True),
)
