"""The ledger as staff keep it in Excel: read a workbook (flat or a sheet per building) with its
columns mapped, preview what cannot be placed, apply idempotently, export in the same layout."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.domain.community import Community
from bot.domain.fieldwork import Access, Consent, Occupancy, TagKind
from bot.domain.models import User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from storage import Repos

WORDS = Path(__file__).resolve().parents[2] / "data" / "ledger_columns.yaml"
FIELDS = ("compound", "building", "unit", "room", "head", "phone", "people", "occupancy",
          "tags", "consent")
_SPLIT = re.compile(r"[,\uff0c\u3001;\uff1b/\s]+")
_DIGITS = re.compile(r"\d+")
_ROOM = re.compile(r"^[A-Za-z0-9-]{1,20}$")


def _norm(value: object) -> str:
    return re.sub(r"\s+", "", str(value)).lower() if value is not None else ""


@dataclass
class Row:
    sheet: str
    row: int
    building_id: str
    unit: str
    room: str
    values: dict[str, Any] = field(default_factory=dict)  # head, phone, people, occupancy
    tags: list[str] = field(default_factory=list)
    consent: Consent | None = None


@dataclass
class Problem:
    sheet: str
    row: int
    reason: str  # a catalog key under fw.import
    detail: str = ""


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    bad: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field
    layout: dict[str, Any] = field(default_factory=dict)


class LedgerBook:
    def __init__(self, clock: Clock, catalog: Catalog, ledger: FieldworkService,
                 words: Path = WORDS) -> None:
        self.clock, self.catalog, self.ledger = clock, catalog, ledger
        data = yaml.safe_load(words.read_text(encoding="utf-8"))
        self.headers = {_norm(h): f for f in FIELDS for h in data.get(f, [])}
        self.first_header = {f: data[f][0] for f in FIELDS}
        self.words = {k: {_norm(w): v for v, ws in data[k].items() for w in ws}
                      for k in ("tag_words", "occupancy_words", "consent_words")}
        for occupancy in Occupancy:
            for label in catalog.all_labels(f"fw.occ.{occupancy.value}"):
                self.words["occupancy_words"][_norm(label)] = occupancy.value

    def read(self, content: bytes, community: Community, kinds: list[TagKind],
             overrides: dict[str, str] | None = None) -> Preview:
        """Parses every sheet; rows that cannot be placed are listed with their reason."""
        from openpyxl import load_workbook  # imported when used: openpyxl costs ~23 MiB
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        tag_of = dict(self.words["tag_words"])
        for kind in kinds:
            labels = {kind.label} if kind.label else self.catalog.all_labels(f"fw.tag.{kind.id}")
            tag_of.update({_norm(label): kind.id for label in labels})
        sensitive = {k.id for k in kinds if k.sensitive}
        headers = dict(self.headers) | {_norm(h): f for h, f in (overrides or {}).items()}
        preview, seen = Preview(), {}
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            start = max(range(min(5, len(rows))), default=None,
                        key=lambda i: sum(_norm(c) in headers for c in rows[i]))
            if start is None:
                continue
            columns = {i: headers[_norm(c)] for i, c in enumerate(rows[start])
                       if _norm(c) in headers}
            if len(columns) < 2:
                continue
            for i, c in enumerate(rows[start]):
                if i in columns:
                    preview.mapping[str(c).strip()] = columns[i]
            per_building = "building" not in columns.values()
            preview.layout = {"per_building": per_building,
                              "headers": [[str(rows[start][i]).strip(), f]
                                          for i, f in sorted(columns.items())]}
            for number, cells in enumerate(rows[start + 1:], start=start + 2):
                if not any(c not in (None, "") for c in cells):
                    continue
                values = {f: cells[i] for i, f in columns.items() if i < len(cells)}
                if per_building:
                    values["building"] = sheet.title
                self._row(preview, seen, community, sheet.title, number, values, tag_of,
                          sensitive)
        return preview

    def _row(self, preview: Preview, seen: dict[tuple[str, str, str], int],
             community: Community, sheet: str, number: int, values: dict[str, Any],
             tag_of: dict[str, str], sensitive: set[str]) -> None:
        def bad(reason: str, detail: object = "") -> None:
            preview.bad.append(Problem(sheet, number, reason, str(detail or "")[:40]))

        building, reason = self._building(community, values.get("compound"),
                                          values.get("building"))
        if building is None:
            return bad(reason, values.get("building"))
        unit = self._unit(community, building, values.get("unit"))
        if unit is None:
            return bad("bad_unit", values.get("unit"))
        room = values.get("room")
        room = str(int(room)) if isinstance(room, float) and room.is_integer() else \
            str(room or "").strip()
        if not _ROOM.match(room):
            return bad("bad_room", room)
        door = (building, unit, room)
        if door in seen:
            return bad("duplicate", seen[door])
        row = Row(sheet, number, building, unit, room)
        people = values.get("people")
        if people not in (None, ""):
            if not str(people).replace(".0", "").isdigit() or not 0 <= int(float(people)) <= 50:
                return bad("bad_people", people)
            row.values["people"] = int(float(people))
        for key, column in (("head", "head_name"), ("phone", "phone")):
            if values.get(key) not in (None, ""):
                row.values[column] = str(values[key]).strip()[:40]
        occupancy = self.words["occupancy_words"].get(_norm(values.get("occupancy")))
        if values.get("occupancy") not in (None, "") and occupancy is None:
            return bad("bad_occupancy", values.get("occupancy"))
        if occupancy:
            row.values["occupancy"] = occupancy
        consent = self.words["consent_words"].get(_norm(values.get("consent")))
        row.consent = Consent(consent) if consent else None
        for word in _SPLIT.split(str(values.get("tags") or "")):
            if not word:
                continue
            if _norm(word) not in tag_of:
                return bad("unknown_tag", word)
            tag = tag_of[_norm(word)]
            if tag in sensitive and row.consent is None:
                preview.warnings.append(Problem(sheet, number, "no_consent", word))
            elif tag not in row.tags:
                row.tags.append(tag)
        seen[door] = number
        preview.rows.append(row)
        return None

    def _building(self, community: Community, compound: object,
                  building: object) -> tuple[str | None, str]:
        text = f"{compound or ''} {building or ''}"
        if building is not None and community.building(str(building).strip()):
            return str(building).strip(), ""
        # a compound named in full, or without its last two characters (the usual suffix)
        named = [c for c in community.compounds if any(
            n and n in text for n in (c.name.zh, c.name.zh[:-2] if len(c.name.zh) > 3 else "",
                                      c.name.en, c.id))]
        numbers = _DIGITS.findall(str(building or ""))
        if not numbers:
            return None, "no_building"
        candidates = [b.id for c in (named or community.compounds) for b in c.buildings
                      if _DIGITS.findall(b.name)[-1:] == numbers[-1:]]
        if len(candidates) == 1:
            return candidates[0], ""
        return None, "ambiguous_building" if candidates else "no_building"

    def _unit(self, community: Community, building_id: str, value: object) -> str | None:
        building = community.building(building_id)
        text = str(int(value)) if isinstance(value, float) else str(value or "").strip()
        for unit in building.units if building else []:
            if text == unit or _DIGITS.findall(text)[-1:] == _DIGITS.findall(unit)[-1:] != []:
                return unit
        return None

    async def apply(self, r: Repos, actor: User, community: Community,
                    preview: Preview) -> tuple[int, int]:
        """Writes the placed rows: a door already in the ledger is updated, never doubled."""
        if not self.ledger.allows(actor, Access.MANAGE, community):
            raise LedgerError("fw.not_allowed")
        now, created, updated = self.clock.now(), 0, 0
        for row in preview.rows:
            found = await r.ledger.find_door(community.id, row.building_id, row.unit, row.room)
            if found:
                await r.ledger.update(found.id, now, **row.values)
                updated += 1
            else:
                found = await r.ledger.add(community.id, row.building_id, row.unit, row.room,
                                           now, **row.values)
                created += 1
            for tag in row.tags:
                await r.ledger.set_tag(found.id, tag, row.consent.value if row.consent else None,
                                       None, actor.id, now)
        if preview.layout:
            await r.ledger.set_layout(community.id, preview.layout)
        return created, updated
