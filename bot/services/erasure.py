"""/deleteme: the person goes; their tickets stay as anonymous records of the community.

What stays of a ticket: its category, place (the compound, building and unit it was filed
for), times, states, and its description with phone numbers and the person's name masked.
Every note, answer and reason the person typed becomes the `deleted` marker; so do copies of
them in messages still in the outbox. Messages addressed to the person are deleted; other
people's messages lose the person's name, phone and account id. FAQs that still quote them are
withdrawn; votes stay counted without saying whose they were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.messages import Address
from bot.domain.models import EventKind, PhotoKind, User
from bot.domain.redact import MIN_NAME, MIN_TYPED, holds, mask, phones_in
from bot.services.links import tries_key
from bot.services.media import media_id, owner_of
from storage import Repos

KEEP_NOTE = {EventKind.RATED.value}  # a star count, not their words
MIN_ACCOUNT_ID = 6  # shorter ids (test accounts) would mask unrelated numbers


async def erase(r: Repos, user: User, now: datetime, deleted: str) -> None:
    """Removes the person, every one of their chat accounts, and every copy of their name,
    phone, account ids and words."""
    accounts = [a.address for a in await r.users.addresses(user.id)]
    own = await r.privacy.reported(user.id)
    ticket_ids = [t.id for t in own]
    by_them = [n for n in await r.privacy.notes(actor_id=user.id) if n.kind not in KEEP_NOTE]
    answers = [t.extra_answer for t in own if t.extra_answer] + [n.note for n in by_them]
    descriptions = [line for t in own for line in t.description.splitlines()]
    secrets = {user.contact_name, user.display_name, user.phone,
               *(a.external_id for a in accounts if len(a.external_id) >= MIN_ACCOUNT_ID),
               *phones_in([*answers, *descriptions, *(t.location_text for t in own)])}
    secrets.discard(None)
    for ticket in own:
        await r.privacy.update_ticket(
            ticket.id, description=mask(ticket.description, secrets),
            extra_answer=deleted if ticket.extra_answer else None,
            location_text=mask(ticket.location_text, secrets) if ticket.location_text else None,
            voice_file_id=None, photos_public_at=None)  # their consent to show photos goes too
        current = await r.tickets.get(ticket.id)
        if current is not None:
            await r.tickets.add_event(ticket.id, None, now, EventKind.REPORTER_REMOVED,
                                      current.state, current.state)
    kept_photos = {p.file_id for t in ticket_ids for p in await r.tickets.photos(
        t, PhotoKind.REPORT)}  # the problem's photos stay with the anonymous ticket
    await r.privacy.drop_photos(ticket_ids, [PhotoKind.INFO.value])  # photos sent as answers
    await _media(r, accounts, kept_photos)
    for note in await r.privacy.notes(ticket_ids=ticket_ids, actor_id=user.id):
        if note.actor_id == user.id:
            if note.kind not in KEEP_NOTE and note.note != deleted:
                await r.privacy.set_note(note.id, deleted)
        elif holds(note.note, secrets) or phones_in([note.note]):
            await r.privacy.set_note(note.id, mask(note.note, secrets))
    await r.tickets.detach_reporter(user.id)
    await _outbox(r, user, accounts, secrets, answers, deleted)
    for faq in await r.privacy.faqs():
        quotes = answers + descriptions + [mask(d, secrets) for d in descriptions] \
            if faq.ticket_id in ticket_ids else []  # kept as proposed (masked) still quotes
        if holds(f"{faq.question}\n{faq.answer}", secrets, quotes):
            await r.privacy.drop_faq(faq.id)  # it quotes them: staff publish it again, edited
    await r.privacy.unlink_votes(user.id)
    await r.privacy.drop_timers(user.id, "kb/")  # reminders are addressed by user id
    await r.conversations.clear(user.id)
    for account in accounts:
        await _account(r, user, account)
    await r.users.delete(user.id)


async def _account(r: Repos, user: User, account: Address) -> None:
    """What is kept by chat account: counters, the web chat's transcript, numbered options."""
    await r.privacy.drop_flood_counter(account.channel, account.external_id)
    await r.privacy.drop_flood_counter(*tries_key(account))  # wrong `/link` codes
    if account.channel == "web":  # the web chat's transcript of them
        await r.webchat.forget(account.external_id)
    if account.channel in ("wechat", "wecom"):  # the numbered options last shown to them
        from storage.wechat import WeChatRepo, options_key

        await WeChatRepo(r.conn).forget(options_key(account.channel, account.external_id))
    if account.channel == "wecom":  # the template cards sent to them
        from storage.wecom import WeComCards

        await WeComCards(r.conn).forget(account.external_id)
    await r.users.drop_address(user.id, account)


async def _media(r: Repos, accounts: list[Address], kept_refs: set[str]) -> None:
    """Everything they sent goes (voice, answers, documents) but the photos of the problems
    they reported, which stay without saying whose they were."""
    owned = [m for a in accounts for m in await r.media.owned_by(owner_of(a))]
    kept = {media_id(ref) for ref in kept_refs} - {None}
    await r.media.disown([m for m in owned if m in kept])
    await r.media.forget([m for m in owned if m not in kept])


async def _outbox(r: Repos, user: User, accounts: list[Address], secrets: set[Any],
                  answers: list[str], deleted: str) -> None:
    """Drops what was for them; strips them from what was for others (sent or not)."""
    for account in accounts:
        await r.privacy.drop_outbox_to(account.channel, account.external_id)
    await r.privacy.drop_outbox_of(user.id)
    candidates = [s for s in secrets if len(s) >= MIN_NAME] + [
        w for w in answers if len(w) >= MIN_TYPED]
    for item_id, payload in await r.privacy.outbox_holding(user.created_at, candidates):
        labels = [c.get("label", "") for row in payload.get("choices") or [] for c in row]
        text = payload.get("text") or ""
        if not any(holds(t, secrets, answers) for t in [text, *labels]):
            continue
        payload["text"] = mask(text, secrets, answers, deleted, all_phones=False)
        for row in payload.get("choices") or []:
            for choice in row:
                choice["label"] = mask(choice.get("label", ""), secrets, answers, deleted,
                                       all_phones=False)
        await r.privacy.set_payload(item_id, payload)
