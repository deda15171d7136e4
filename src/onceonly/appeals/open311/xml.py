"""GeoReport v2's XML form: the JSON answers written with the spec's element names.

Lists become a wrapper element with one child per item (`<services><service>…`,
`<service_requests><request>…`, `<errors><error>…`); None becomes an empty element,
booleans `true`/`false`. Built with the standard library's ElementTree.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from fastapi import Request
from fastapi.responses import JSONResponse, Response

MEDIA_TYPE = "text/xml"
# A list under this name holds elements with that name (GeoReport v2's examples).
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def wants_xml(request: Request) -> bool:
    return request.url.path.endswith(".xml")


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, value)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(request: Request, root: str, value: Any, status: int = 200) -> Response:
    """JSON, or XML under `root` when the path ends in `.xml`."""
    if wants_xml(request):
        return Response(to_xml(root, value), status_code=status, media_type=MEDIA_TYPE)
    return JSONResponse(value, status_code=status)
