"""The spec's two formats: the same answer as JSON or as XML (`.json` / `.xml` suffix)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from starlette.responses import JSONResponse, Response

FORMATS = ("json", "xml")
# a list's elements are named after their parent, as the spec's examples do
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "errors": "error", "endpoints": "endpoint", "formats": "format", "values": "value"}
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache",
           "X-Content-Type-Options": "nosniff"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(parent, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ET.SubElement(parent, ITEMS.get(parent.tag, "item")), inner)
    else:
        parent.text = _text(value)


def xml(root: str, value: Any) -> bytes:
    """`value` under a `root` element: dicts become children, lists repeated items."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """The answer in the format asked for; `root` names the XML document element."""
    if fmt == "xml":
        return Response(xml(root, value), status_code=status, headers=HEADERS,
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(value, status_code=status, headers=HEADERS)


def error(fmt: str, code: int, description: str) -> Response:
    """The spec's error answer: `[{"code": 400, "description": …}]`, or `<errors>` in XML."""
    return answer(fmt if fmt in FORMATS else "json", "errors",
                  [{"code": code, "description": description}], status=code)
