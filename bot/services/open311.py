"""Open311 GeoReport v2: a city system reads the public face of tickets and files new ones.

Categories are services (their question is the one attribute), grids the agency responsible,
the SLA due the expected time. Reading needs no key and shows only what a neighbour may see:
the description with phones and names masked, the building (never the unit), a place pin rounded
to about 100 m, and a photo only when its reporter allowed showing it. Posting needs an API key
(`linli apikey`); the tickets it files are routed like any report, by one account per key.
What a request shows is decided in bot/services/open311_view.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.community import Building, Category, Community
from bot.domain.models import TicketState, open_states
from bot.i18n import Catalog
from bot.services import choices
from bot.services.cards import Cards
from bot.services.clock import Clock
from bot.services.community import CommunityService
from bot.services.notify import Notifier
from bot.services.open311_view import CHANNEL, PublicView, is_public
from bot.services.tickets import Draft, TicketService
from storage import Database
from storage.media import StoredMedia
from storage.open311 import ApiKey

ATTRIBUTE = "answer"  # the attribute code of a category's question
SPAN = timedelta(days=90)  # the spec's longest range, and the default: the last 90 days
LIMIT = 1000
MAX_IDS = 100


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `code` and a description by catalog key."""

    def __init__(self, status: int, key: str, **values: str) -> None:
        super().__init__(key)
        self.code = status
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Issued:
    key: str  # shown once; only its hash is kept
    record: ApiKey


class Open311Service:
    def __init__(self, db: Database, clock: Clock, catalog: Catalog, cards: Cards,
                 communities: CommunityService, tickets: TicketService, notifier: Notifier, *,
                 lang: str, timezone: str, public_url: str, max_text: int) -> None:
        self.db = db
        self.clock = clock
        self.catalog = catalog
        self.cards = cards
        self.communities = communities
        self.tickets = tickets
        self.notifier = notifier
        self.lang = lang
        self.tz = ZoneInfo(timezone)
        self.public_url = public_url.rstrip("/")
        self.max_text = max_text
        self.view = PublicView(cards, lang, timezone, public_url)

    def describe(self, error: Open311Error) -> str:
        return self.catalog.t(self.lang, error.key, **error.values)

    # --- keys -------------------------------------------------------------------------------

    async def issue(self, name: str, community: Community | None) -> Issued:
        """A new key for a city system, of one community or (None) of the whole street."""
        key = secrets.token_urlsafe(24)
        now = self.clock.now()
        async with self.db.tx() as r:
            account = await r.users.create(CHANNEL, f"key:{secrets.token_hex(8)}", self.lang,
                                           now, display_name=name[:100])
            # the worker's card names who filed it, where a resident's contact would be
            await r.users.update(account.id, contact_name=name[:100])
            record = await r.open311.add_key(key, name[:100], community.id if community else None,
                                             account.id, now)
        return Issued(key, record)

    async def keys(self) -> list[ApiKey]:
        async with self.db.read() as r:
            return await r.open311.keys()

    async def revoke(self, key_id: int) -> bool:
        async with self.db.tx() as r:
            return await r.open311.revoke(key_id, self.clock.now())

    # --- reading ----------------------------------------------------------------------------

    async def jurisdiction(self, wanted: str | None) -> Community:
        """The community a request names by `jurisdiction_id`; needed only on a street."""
        served = await self.communities.loaded()
        if wanted:
            found = next((c for c in served if c.id == wanted), None)
            if found is None:
                raise Open311Error(404, "open311.err_jurisdiction", jurisdiction=wanted[:40])
            return found
        if len(served) > 1:
            raise Open311Error(400, "open311.err_need_jurisdiction",
                               known=", ".join(c.id for c in served))
        return served[0]

    def services(self, community: Community) -> list[dict[str, Any]]:
        return [self._service(c) for c in community.categories if not c.hidden]

    def definition(self, community: Community, code: str) -> dict[str, Any]:
        category = self._category(community, code, 404)
        attributes = []
        if category.question is not None:
            attributes.append({
                "variable": True, "code": ATTRIBUTE, "datatype": "text", "required": False,
                "datatype_description": None, "order": 1,
                "description": category.question.get(self.lang)})
        return {"service_code": category.id, "attributes": attributes}

    async def requests(self, community: Community,
                       query: Mapping[str, str]) -> list[dict[str, Any]]:
        """The public requests matching the spec's filters, newest first."""
        async with self.db.read() as r:
            if query.get("service_request_id"):  # overrides every other filter
                found = []
                for number in _listed(query["service_request_id"])[:MAX_IDS]:
                    ticket = await r.tickets.by_number(number)
                    if ticket is not None and is_public(community, ticket):
                        found.append(ticket)
                return await self.view.of(r, community, found)
            codes = set(_listed(query.get("service_code", "")))
            for code in codes:
                self._category(community, code, 400)
            wanted = set(_listed(query.get("status", "").lower()))
            if wanted - {"open", "closed"}:
                raise Open311Error(400, "open311.err_status")
            start, end = self._dates(query.get("start_date"), query.get("end_date"))
            states = None
            if wanted == {"open"}:
                states = list(open_states())
            elif wanted == {"closed"}:
                states = [s for s in TicketState if s not in open_states()]
            rows = await r.tickets.find(community_id=community.id, states=states, since=start,
                                        until=end, newest_first=True, limit=LIMIT)
            found = [t for t in rows if is_public(community, t)
                     and (not codes or t.category_id in codes)]
            return await self.view.of(r, community, found)

    async def request(self, community: Community, number: str) -> dict[str, Any]:
        async with self.db.read() as r:
            ticket = await r.tickets.by_number(number.strip().upper()[:40])
            if ticket is None or not is_public(community, ticket):
                raise Open311Error(404, "open311.err_no_request", id=number[:40])
            return (await self.view.of(r, community, [ticket]))[0]

    async def token(self, community: Community, token: str) -> dict[str, Any]:
        async with self.db.read() as r:
            ticket_id = await r.open311.ticket_of(token[:64])
            ticket = await r.tickets.get(ticket_id) if ticket_id is not None else None
        if ticket is None or ticket.community_id != community.id:
            raise Open311Error(404, "open311.err_no_token")
        return {"service_request_id": ticket.number, "token": token}

    async def public_photo(self, wanted: int) -> StoredMedia | None:
        """A stored photo, if a ticket shows it as a report photo its reporter allowed."""
        async with self.db.read() as r:
            holders, _ = await r.desk.media_holders(wanted)
            for ticket_id in holders:
                ticket = await r.tickets.get(ticket_id)
                community = await self.communities.get(ticket.community_id) if ticket else None
                if ticket is None or community is None or not is_public(community, ticket):
                    continue
                if wanted in await self.view.photos(r, ticket):
                    return await r.media.get(wanted)
        return None

    # --- posting ----------------------------------------------------------------------------

    async def post(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Files a request as a ticket, routed and carded like a resident's report."""
        key = (form.get("api_key") or "").strip()
        async with self.db.tx() as r:
            record = await r.open311.live_key(key[:200], self.clock.now()) if key else None
            if record is None or record.user_id is None:
                raise Open311Error(403, "open311.err_key")
            wanted = (form.get("jurisdiction_id") or "").strip()
            if record.community_id is not None:
                if wanted and wanted != record.community_id:
                    raise Open311Error(403, "open311.err_key_jurisdiction")
                community = await self.communities.get(record.community_id)
                if community is None:  # the key's community is no longer served
                    raise Open311Error(403, "open311.err_key_jurisdiction")
            else:
                community = await self.jurisdiction(wanted or None)
            draft, building = self._draft(community, form)
            account = await r.users.get(record.user_id)
            assert account is not None
            compound = community.compound_of(building.id) if building else None
            ticket = await self.tickets.create(
                r, community, account, draft, building_id=building.id if building else None,
                compound_id=compound.id if compound else None)
            await self.notifier.new_ticket(r, community, ticket)
            token = secrets.token_urlsafe(16)
            await r.open311.add_request(ticket.id, token, record.id, self.clock.now())
        return {"service_request_id": ticket.number, "token": token, "service_notice": "",
                "account_id": None}

    def _draft(self, community: Community,
               form: Mapping[str, str]) -> tuple[Draft, Building | None]:
        """The ticket a form describes, and the building it names; a refusal names the field."""
        code = (form.get("service_code") or "").strip()
        if not code:
            raise Open311Error(400, "open311.err_missing", field="service_code")
        category = self._category(community, code, 400)
        description = (form.get("description") or "").strip()
        if not description:
            raise Open311Error(400, "open311.err_missing", field="description")
        if len(description) > self.max_text:
            raise Open311Error(400, "open311.err_too_long", field="description",
                               limit=str(self.max_text))
        lat, lon = _pin(form.get("lat"), form.get("long"))
        address = (form.get("address_string") or "").strip()[:300] or None
        address_id = (form.get("address_id") or "").strip()
        if lat is None and address is None and not address_id:
            raise Open311Error(400, "open311.err_location")
        building = community.building(address_id) if address_id else None
        if address_id and building is None:
            raise Open311Error(400, "open311.err_address_id", id=address_id[:40])
        if building is None and address:
            building = place_of(community, address)
        link = (form.get("media_url") or "").strip()
        if link:
            if not link.startswith(("https://", "http://")) or len(link) > 500:
                raise Open311Error(400, "open311.err_media_url")
            description += "\n" + self.catalog.t(self.lang, "open311.media_link", url=link)
        answer = (form.get(f"attribute[{ATTRIBUTE}]") or "").strip()[:self.max_text] \
            if category.question is not None else ""
        return Draft(category_id=category.id, description=description,
                     extra_answer=answer or None, location_text=address, latitude=lat,
                     longitude=lon), building

    # --- the public face --------------------------------------------------------------------

    def _service(self, category: Category) -> dict[str, Any]:
        group = "open311.group_emergency" if category.emergency else "open311.group_report"
        return {"service_code": category.id, "service_name": category.name.get(self.lang),
                "description": category.name.get(self.lang),
                "metadata": category.question is not None, "type": "realtime",
                "keywords": ",".join(category.keywords[:12]),
                "group": self.catalog.t(self.lang, group)}

    def _category(self, community: Community, code: str, status: int) -> Category:
        category = community.category(code.strip())
        if category is None or category.hidden:  # consultations are nobody else's business
            raise Open311Error(status, "open311.err_service_code", code=code[:40])
        return category

    def _dates(self, start_text: str | None,
               end_text: str | None) -> tuple[datetime, datetime]:
        end = self._moment(end_text, "end_date") if end_text else None
        start = self._moment(start_text, "start_date") if start_text else None
        if end is None:
            end = start + SPAN if start is not None else self.clock.now() + timedelta(minutes=1)
        if start is None:
            start = end - SPAN
        if end < start or end - start > SPAN:
            raise Open311Error(400, "open311.err_span")
        return start, end

    def _moment(self, text: str, name: str) -> datetime:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise Open311Error(400, "open311.err_date", field=name) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.tz)


def place_of(community: Community, text: str) -> Building | None:
    """The building an address names (its compound's name, then the building's), if any."""
    compound_id = choices.match(text, [(c.name.get(lang), c.id) for c in community.compounds
                                       for lang in ("zh-Hans", "en")])
    compound = community.compound(compound_id or "")
    if compound is None:
        return None
    building_id = choices.match(text, [(b.name, b.id) for b in compound.buildings])
    return community.building(building_id or "")


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _pin(lat_text: str | None, lon_text: str | None) -> tuple[float | None, float | None]:
    """A place pin from the form; half a pin, or one off the globe, is refused."""
    if not (lat_text or "").strip() and not (lon_text or "").strip():
        return None, None
    try:
        lat, lon = float(lat_text or ""), float(lon_text or "")
    except ValueError:
        raise Open311Error(400, "open311.err_pin") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails both
        raise Open311Error(400, "open311.err_pin")
    return lat, lon
