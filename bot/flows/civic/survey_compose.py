"""Surveys composed in chat: staff write a questionnaire, pick its audience and send it.

```mermaid
stateDiagram-v2
    [*] --> title: /survey, New questionnaire
    title --> kind: title typed
    kind --> question: single choice / rating 1–5 / text
    question --> options: question typed (single choice)
    options --> kind: options typed, one per line (question added)
    question --> kind: question typed (question added)
    kind --> audience: Done
    audience --> building: One building
    audience --> anonymous: everyone / a compound
    building --> anonymous: building chosen
    anonymous --> preview: anonymous / named
    preview --> edit: Change (delete a question, add one, new title)
    edit --> preview: Done
    preview --> [*]: Send (residents of the audience invited) or Cancel
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from bot.domain.announcements import Audience
from bot.domain.community import Text
from bot.domain.messages import Choice, Expect, InKind
from bot.domain.surveys import MAX_OPTIONS, MAX_QUESTIONS, Question, SurveyDraft
from bot.flows.base import Ctx, parse_id
from bot.services.tickets import TicketError

NAME = "surveydraft"
PREFIX = "y4"
KINDS = ("choice", "rating", "text")
LIMITS = {"title": 100, "question": 200, "options": 8 * 61}
MAX_OPTION = 60


class Step(StrEnum):
    TITLE = "title"
    KIND = "kind"
    QUESTION = "question"
    OPTIONS = "options"
    AUDIENCE = "audience"
    BUILDING = "building"
    ANONYMOUS = "anonymous"
    PREVIEW = "preview"
    EDIT = "edit"


def _quit(ctx: Ctx) -> list[Choice]:
    return [ctx.choice("btn.cancel", "y4:quit:x")]


def new_button(ctx: Ctx) -> list[Choice]:
    """The /survey row that starts a questionnaire of one's own."""
    return [ctx.choice("survey_new.btn_new", "y4:new:x")]


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a composer button; only the community's staff may compose (the service checks)."""
    try:
        ctx.svc.surveys.authorise(ctx.user, ctx.community, "send")
        if action == "new":
            return start(ctx)
        if ctx.conv.flow != NAME:
            return ctx.refuse()
        if action == "quit":
            ctx.end()
            return ctx.say(ctx.t("survey_new.cancelled"))
        return await _step_button(ctx, action, value)
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def _step_button(ctx: Ctx, action: str, value: str) -> None:
    step, data = ctx.conv.step, ctx.conv.data
    if action == "kind" and step in (Step.KIND, Step.EDIT) and value in KINDS:
        if len(data["questions"]) >= MAX_QUESTIONS:
            ctx.say(ctx.t("survey_new.too_many", limit=MAX_QUESTIONS),
                    choices=[[ctx.choice("survey_new.btn_done", "y4:done:x")], _quit(ctx)])
            return
        ctx.go(NAME, Step.QUESTION, kind=value)
        ctx.say(ctx.t("survey_new.ask_question", n=len(data["questions"]) + 1,
                      kind=ctx.t(f"survey_new.kind_{value}")),
                choices=[_quit(ctx)], expect=Expect.TEXT)
    elif action == "done" and step in (Step.KIND, Step.EDIT) and data["questions"]:
        return preview(ctx) if "anonymous" in data else ask_audience(ctx)
    elif action == "aud" and step in (Step.AUDIENCE, Step.BUILDING):
        choose_audience(ctx, value)
    elif action == "anon" and step == Step.ANONYMOUS and value in ("0", "1"):
        data["anonymous"] = value == "1"
        preview(ctx)
    elif action == "edit" and step == Step.PREVIEW:
        show_edit(ctx)
    elif action == "add" and step == Step.EDIT:
        ask_kind(ctx)
    elif action == "title" and step == Step.EDIT:
        ctx.go(NAME, Step.TITLE)
        ctx.say(ctx.t("survey_new.ask_title"), choices=[_quit(ctx)], expect=Expect.TEXT)
    elif action == "del" and step == Step.EDIT and (n := parse_id(value)) is not None \
            and n < len(data["questions"]) and len(data["questions"]) > 1:
        del data["questions"][n]
        show_edit(ctx)
    elif action == "send" and step == Step.PREVIEW:
        await send(ctx)
    else:
        ctx.refuse()


def start(ctx: Ctx) -> None:
    """Asks for the questionnaire's title."""
    ctx.end()
    ctx.go(NAME, Step.TITLE, questions=[])
    ctx.say(ctx.t("survey_new.ask_title"), choices=[_quit(ctx)], expect=Expect.TEXT)


def ask_kind(ctx: Ctx) -> None:
    """Asks what kind the next question is, or Done."""
    ctx.go(NAME, Step.KIND)
    count = len(ctx.conv.data["questions"])
    rows = [[ctx.choice(f"survey_new.kind_{k}", f"y4:kind:{k}") for k in KINDS]]
    if count:
        rows.append([ctx.choice("survey_new.btn_done", "y4:done:x")])
    ctx.say(ctx.t("survey_new.ask_kind", count=count, limit=MAX_QUESTIONS),
            choices=[*rows, _quit(ctx)])


async def on_input(ctx: Ctx) -> None:
    """Takes the title, a question's text or a choice question's options."""
    step, data = ctx.conv.step, ctx.conv.data
    text = (ctx.inc.text or "").strip()
    if step not in LIMITS:
        ctx.say(ctx.t("err.use_buttons"))
        return
    if ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t(f"survey_new.need_{step}"))
        return
    if len(text) > LIMITS[step]:
        ctx.say(ctx.t("err.too_long", limit=LIMITS[step], length=len(text)))
        return
    if step == Step.TITLE:
        data["title"] = text
        return preview(ctx) if data["questions"] and "anonymous" in data else ask_kind(ctx)
    if step == Step.QUESTION and data["kind"] == "choice":
        data["text"] = text
        ctx.go(NAME, Step.OPTIONS)
        ctx.say(ctx.t("survey_new.ask_options", limit=MAX_OPTIONS), choices=[_quit(ctx)],
                expect=Expect.TEXT)
        return None
    if step == Step.QUESTION:
        return add_question(ctx, {"kind": data["kind"], "text": text, "options": []})
    options = [line.strip() for line in text.splitlines() if line.strip()]
    if not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > MAX_OPTION for o in options):
        ctx.say(ctx.t("survey_new.bad_options", limit=MAX_OPTIONS, length=MAX_OPTION))
        return None
    return add_question(ctx, {"kind": "choice", "text": data["text"], "options": options})


def add_question(ctx: Ctx, question: dict[str, Any]) -> None:
    """Keeps the question and asks for the next one."""
    ctx.conv.data["questions"].append(question)
    ctx.conv.data.pop("text", None)
    ask_kind(ctx)


def ask_audience(ctx: Ctx) -> None:
    """Asks who gets it: every resident, one compound or one building."""
    ctx.go(NAME, Step.AUDIENCE)
    rows = [[ctx.choice("survey_new.audience_all", "y4:aud:all")]]
    rows += [[Choice(label=c.name.get(ctx.lang), data=f"y4:aud:c-{c.id}")]
             for c in ctx.community.compounds]
    rows.append([ctx.choice("survey_new.audience_building", "y4:aud:b")])
    ctx.say(ctx.t("survey_new.ask_audience"), choices=[*rows, _quit(ctx)])


def choose_audience(ctx: Ctx, value: str) -> None:
    """Keeps the audience (a building is picked from a list), then asks anonymous or named."""
    data, community = ctx.conv.data, ctx.community
    buildings = {b.id for c in community.compounds for b in c.buildings}
    if value == "b":
        ctx.go(NAME, Step.BUILDING)
        rows = [[Choice(label=f"{c.name.get(ctx.lang)} {b.name}", data=f"y4:aud:b-{b.id}")]
                for c in community.compounds for b in c.buildings]
        ctx.say(ctx.t("survey_new.ask_building"), choices=[*rows, _quit(ctx)])
        return
    if value == "all":
        data["audience"] = {"kind": "all", "values": []}
    elif value.startswith("c-") and community.compound(value[2:]) is not None:
        data["audience"] = {"kind": "compound", "values": [value[2:]]}
    elif value.startswith("b-") and value[2:] in buildings:
        data["audience"] = {"kind": "buildings", "values": [value[2:]]}
    else:
        ctx.refuse()
        return
    ctx.go(NAME, Step.ANONYMOUS)
    ctx.say(ctx.t("survey.ask_anonymous"), choices=[[
        ctx.choice("survey.btn_anonymous", "y4:anon:1"),
        ctx.choice("survey.btn_named", "y4:anon:0")], _quit(ctx)])


def audience_text(ctx: Ctx, audience: dict[str, Any]) -> str:
    """Every resident, the compound's or the building's name."""
    values = audience.get("values") or [""]
    if audience["kind"] == "compound":
        compound = ctx.community.compound(values[0])
        return compound.name.get(ctx.lang) if compound else values[0]
    if audience["kind"] == "buildings":
        for compound in ctx.community.compounds:
            for building in compound.buildings:
                if building.id == values[0]:
                    return f"{compound.name.get(ctx.lang)} {building.name}"
        return values[0]
    return ctx.t("survey_new.audience_all")


def question_lines(ctx: Ctx) -> list[str]:
    lines = []
    for n, q in enumerate(ctx.conv.data["questions"], start=1):
        lines.append(ctx.t("survey_new.line", n=n, kind=ctx.t(f"survey_new.kind_{q['kind']}"),
                           text=q["text"]))
        lines += [f"    {chr(ord('A') + i)}. {o}" for i, o in enumerate(q["options"])]
    return lines


def preview(ctx: Ctx) -> None:
    """Shows every question as composed, with Send / Change / Cancel."""
    data = ctx.conv.data
    ctx.go(NAME, Step.PREVIEW)
    head = ctx.t("survey_new.preview", title=data["title"], count=len(data["questions"]),
                 audience=audience_text(ctx, data["audience"]),
                 how=ctx.t("survey.anonymous" if data["anonymous"] else "survey.named"))
    ctx.say("\n".join([head, *question_lines(ctx)]), choices=[[
        ctx.choice("survey_new.btn_send", "y4:send:x"),
        ctx.choice("survey_new.btn_edit", "y4:edit:x")], _quit(ctx)])


def show_edit(ctx: Ctx) -> None:
    """Offers to delete a question, add one, retitle, or go back to the preview."""
    ctx.go(NAME, Step.EDIT)
    questions = ctx.conv.data["questions"]
    rows = [[ctx.choice("survey_new.btn_delete", f"y4:del:{i}", n=i + 1)]
            for i in range(len(questions))] if len(questions) > 1 else []
    rows.append([ctx.choice("survey_new.btn_add", "y4:add:x"),
                 ctx.choice("survey_new.btn_title", "y4:title:x")])
    rows.append([ctx.choice("survey_new.btn_done", "y4:done:x")])
    ctx.say("\n".join([ctx.t("survey_new.edit"), *question_lines(ctx)]),
            choices=[*rows, _quit(ctx)])


def draft(ctx: Ctx) -> SurveyDraft:
    """The questionnaire as the service takes it (validated once more)."""
    data = ctx.conv.data
    questions = [Question(key=f"q{n}", kind=q["kind"], text=Text(zh=q["text"]),
                          options=[Text(zh=o) for o in q["options"]])
                 for n, q in enumerate(data["questions"], start=1)]
    return SurveyDraft(title=data["title"], questions=questions,
                       audience=Audience.model_validate(data["audience"]),
                       anonymous=data["anonymous"])


async def send(ctx: Ctx) -> None:
    """Sends the questionnaire to its audience."""
    try:
        questionnaire = draft(ctx)
    except (ValidationError, KeyError):
        ctx.refuse()
        return
    survey, sent = await ctx.svc.surveys.compose(ctx.r, ctx.community, ctx.user, questionnaire)
    ctx.end()
    ctx.say(ctx.t("survey.sent", id=survey.id, count=sent))
