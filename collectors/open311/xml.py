"""GeoReport v2 XML documents as the same dicts the JSON format gives."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any


def _value(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return element.text
    result: dict[str, Any] = {}
    for child in children:
        value = _value(child)
        if child.tag not in result:
            result[child.tag] = value
        elif isinstance(result[child.tag], list):
            result[child.tag].append(value)
        else:
            result[child.tag] = [result[child.tag], value]
    return result


def parse_list(body: bytes, root_tag: str) -> list[Any]:
    """The child elements of a ``<root_tag>`` document as dicts (ValueError if it is not one)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag != root_tag:
        raise ValueError(f"expected a <{root_tag}> document, got <{root.tag}>")
    return [_value(element) for element in root]


def parse_requests(body: bytes) -> list[Any]:
    """The ``<request>`` elements of a ``<service_requests>`` document."""
    return parse_list(body, "service_requests")
