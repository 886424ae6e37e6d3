"""Surveys: questionnaires to residents, anonymous or named, with results and a chart."""

from __future__ import annotations

import base64
import io
import statistics
from datetime import timedelta
from typing import Any

from bot.domain.announcements import Audience
from bot.domain.community import Community, Text
from bot.domain.messages import Attachment, Choice
from bot.domain.models import Role, User
from bot.domain.surveys import Question, SurveyDraft, SurveyFile
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.notify import Notifier
from bot.services.tickets import TicketError
from storage import Repos
from storage.surveys import Survey
from storage.timers import Timer

SURVEY_DAYS = 14
MAX_TEXTS = 10  # free answers listed in the results
COMPOSED = "composed"  # the template id of a questionnaire written in chat


class SurveyService:
    def __init__(self, clock: Clock, notifier: Notifier, catalog: Catalog,
                 templates: SurveyFile) -> None:
        self.clock, self.notifier, self.catalog = clock, notifier, catalog
        self.templates = templates

    def authorise(self, actor: User, community: Community, action: str,
                  survey: Survey | None = None) -> None:
        """The one check behind every survey command and button."""
        if action in ("send", "results"):
            allowed = actor.is_office and actor.community_id == community.id
        else:  # answer
            allowed = actor.role is Role.RESIDENT and actor.is_registered
        if not allowed or (survey and survey.community_id != community.id):
            raise TicketError("err.not_allowed")
        if action == "answer" and survey is not None and survey.audience and not \
                Audience.model_validate(survey.audience).reaches_home(
                    community, actor.compound_id, actor.building_id):
            raise TicketError("err.not_allowed")  # another compound's or building's survey
        if action == "answer" and (survey is None or survey.status != "open"
                                   or self.clock.now() >= survey.closes_at):
            raise TicketError("survey.closed")

    @staticmethod
    def questions(survey: Survey) -> list[Question]:
        return [Question.model_validate(q) for q in survey.questions]

    async def send(self, r: Repos, community: Community, actor: User, template_id: str,
                   anonymous: bool) -> tuple[Survey, int]:
        """Sends a template questionnaire to every registered resident; closes in two weeks."""
        self.authorise(actor, community, "send")
        template = self.templates.template(template_id)
        if template is None:
            raise TicketError("err.stale")
        return await self._open(r, community, actor, template.id, template.title,
                                template.questions, Audience(kind="all"), anonymous)

    async def compose(self, r: Repos, community: Community, actor: User,
                      draft: SurveyDraft) -> tuple[Survey, int]:
        """Sends a questionnaire staff composed in chat to its audience."""
        self.authorise(actor, community, "send")
        return await self._open(r, community, actor, COMPOSED, Text(zh=draft.title),
                                draft.questions, draft.audience, draft.anonymous)

    async def _open(self, r: Repos, community: Community, actor: User, template_id: str,
                    title: Text, questions: list[Question], audience: Audience,
                    anonymous: bool) -> tuple[Survey, int]:
        now = self.clock.now()
        survey = await r.surveys.add(
            community_id=community.id, template_id=template_id,
            questions=[q.model_dump(mode="json") for q in questions],
            title=title.model_dump(), anonymous=anonymous, audience=audience.model_dump(),
            closes_at=now + timedelta(days=SURVEY_DAYS), status="open", created_by=actor.id,
            created_at=now)
        await r.timers.add("sv/close", survey.closes_at, now, ref_id=survey.id)
        sent = 0
        for row in await r.users.audience(community.id):
            if row.role != Role.RESIDENT.value or row.consent_at is None or row.blocked_at \
                    or not audience.reaches_home(community, row.compound_id, row.building_id):
                continue
            resident = await r.users.get(row.id)
            if resident:
                t = self.catalog.t
                await self.notifier.send(r, resident, t(
                    resident.lang, "survey.invite", title=title.get(resident.lang),
                    count=len(questions), how=t(resident.lang, "survey.anonymous"
                                                if anonymous else "survey.named")),
                    choices=[[Choice(label=t(resident.lang, "survey.btn_start"),
                                     data=f"y2:go:{survey.id}")]])
                sent += 1
        return survey, sent

    async def close(self, r: Repos, community: Community, actor: User,
                    survey_id: int) -> Survey:
        """Closes an open survey before its time; nobody can answer it any more."""
        survey = await r.surveys.get(survey_id)
        self.authorise(actor, community, "results", survey)
        if survey is None or not await r.surveys.close(survey.id):
            raise TicketError("err.stale")
        await r.timers.cancel(survey.id, "sv/", self.clock.now())
        return await r.surveys.get(survey.id)  # type: ignore[return-value]

    async def respond(self, r: Repos, community: Community, actor: User, survey_id: int,
                      answers: dict[str, Any]) -> bool:
        survey = await r.surveys.get(survey_id)
        self.authorise(actor, community, "answer", survey)
        assert survey is not None
        return await r.surveys.respond(survey.id, actor.id, answers, not survey.anonymous,
                                       self.clock.now())

    async def results(self, r: Repos, survey: Survey, lang: str) -> tuple[str, bytes]:
        """Per question: the average and spread of ratings, choice counts, free answers."""
        t = self.catalog.t
        responses = await r.surveys.responses(survey.id)
        title = survey.title.get("en" if lang == "en" else "zh") or survey.title["zh"]
        lines = [t(lang, "survey.results_title", title=title, count=len(responses))]
        bars: list[tuple[str, list[str], list[int]]] = []
        for q in self.questions(survey):
            values = [a[q.key] for _, a in responses if a.get(q.key) not in (None, "")]
            lines.append(t(lang, "survey.results_question", text=q.text.get(lang)))
            if q.kind == "rating":
                counts = [sum(1 for v in values if v == s) for s in range(1, 6)]
                average = f"{statistics.fmean(values):.1f}" if values else "—"
                happy = (f"{sum(1 for v in values if v >= 4) / len(values) * 100:.0f}%"
                         if values else "—")
                lines.append(t(lang, "survey.results_rating", average=average, happy=happy,
                               counts=" / ".join(map(str, counts))))
                bars.append((q.key, [str(s) for s in range(1, 6)], counts))
            elif q.kind == "choice":
                counts = [sum(1 for v in values if v == i) for i in range(len(q.options))]
                lines += [t(lang, "survey.results_option", option=o.get(lang), count=n)
                          for o, n in zip(q.options, counts, strict=True)]
                bars.append((q.key, [o.get(lang) for o in q.options], counts))
            else:
                lines += [f"  · {v}" for v in values[:MAX_TEXTS]]
        return "\n".join(lines), self.chart(bars, lang)

    def chart(self, bars: list[tuple[str, list[str], list[int]]], lang: str) -> bytes:
        """One small bar chart per rating or choice question, in one PNG."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        from bot.services import charts

        family = charts.cjk_family()  # shipped, so labels stay in the user's language
        with matplotlib.rc_context({"font.family": [family], "axes.unicode_minus": False}):
            figure, axes = pyplot.subplots(max(len(bars), 1), 1, dpi=90, squeeze=False,
                                           figsize=(7, 1.6 * max(len(bars), 1) + 0.5))
            for axis, (key, labels, counts) in zip(axes[:, 0], bars, strict=False):
                axis.barh(range(len(counts)), counts, color="#4e79a7")
                axis.set_yticks(list(range(len(counts))), labels)
                axis.set_title(key, fontsize=9)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            pyplot.close(figure)
        return buffer.getvalue()

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """Closes the survey at its time and sends the results to whoever sent it."""
        survey = await r.surveys.get(timer.ref_id or 0)
        if survey is None or not await r.surveys.close(survey.id):
            return
        author = await r.users.get(survey.created_by) if survey.created_by else None
        if author:
            text, chart = await self.results(r, survey, author.lang)
            await self.notifier.send(r, author, text, files=[Attachment(
                filename=f"survey-{survey.id}.png", as_photo=True,
                data_b64=base64.b64encode(chart).decode())])
