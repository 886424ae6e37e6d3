"""Files the counter prints: the filled certificate (DOCX) and the issuing register (XLSX)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.community import Community, Text
from bot.domain.matters import Catalogue, Matter
from bot.i18n import Catalog
from storage.certificates import Application

REGISTER_COLUMNS = ("serial", "matter", "name", "relation", "address", "applied", "ready",
                    "collected", "handled_by")


def certificate_docx(community: Community, matter: Matter, app: Application,
                     applicant: str, today: datetime, timezone: str) -> bytes:
    """The matter's template filled with the application: serial, details, room for the seal."""
    from docx import Document  # imported when used, like openpyxl: a printout is rare
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    local = today.astimezone(ZoneInfo(timezone))
    values = {**app.answers, "serial": app.serial, "name": app.for_name,
              "relation": app.relation or "", "applicant": applicant,
              "address": app.address or "", "community": community.name.zh,
              "street": _zh(community.street), "date": f"{local:%Y-%m-%d}",
              "year": str(local.year), "month": str(local.month), "day": str(local.day)}
    title, paragraphs = matter.fill(values)
    document = Document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold, run.font.size = True, Pt(20)
    signature = len(paragraphs) - (matter.template.right if matter.template else 0)
    for index, text in enumerate(paragraphs):
        paragraph = document.add_paragraph(text)
        if index >= signature:  # the seal and the date, on the right
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def register_xlsx(apps: list[Application], catalogue: Catalogue, catalog: Catalog, lang: str,
                  timezone: str, names: dict[int, str]) -> bytes:
    """certificate issuing register: one row per certificate handed over."""
    tz = ZoneInfo(timezone)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    from openpyxl import Workbook  # imported when used: openpyxl costs ~23 MiB
    book = Workbook()
    sheet = book.active
    sheet.title = catalog.t(lang, "counter.register_sheet")
    sheet.append([catalog.t(lang, f"counter.col_{c}") for c in REGISTER_COLUMNS])
    for app in apps:
        matter = catalogue.matter(app.matter_id)
        sheet.append([app.serial, matter.name.get(lang) if matter else app.matter_id,
                      app.for_name, app.relation or "", app.address or "",
                      local(app.created_at), local(app.ready_at), local(app.collected_at),
                      names.get(app.handled_by or 0, "")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zh(text: Text | None) -> str:
    return text.zh if text else ""
