"""Personal data in complaint texts and addresses: names, phone numbers and ID-card numbers, masked for roles
that must not see them (the wall and the public never do) in pages, exports, the API — and always in logs."""

from __future__ import annotations

import logging
import re

import pandas as pd

#: Mainland ID card: 18 characters (17 digits and a digit or X: region, birth date, sequence, check), or 15 digits.
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})(?:\d{8}(\d{3}[\dXx])|\d{6}(\d{3}))(?![0-9A-Za-z])")
#: Mobile numbers (1[3-9]x xxxx xxxx, optionally +86 and spaced or hyphenated) and landlines (0xx-xxxxxxxx).
MOBILE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -](\d{3,4})(\d{4})(?!\d)")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
#: A name after a label (姓名/联系人/…: 张三) or a surname with a title (王先生, 李女士).
LABELLED_NAME = re.compile(
    r"((?:姓名|联系人|投诉人|反映人|来电人|来电者|市民|户主|业主|[Nn]ame)\s*[:：]?\s*)"
    r"([\u4e00-\u9fa5·]{2,3}|[A-Z][a-z]+(?: [A-Z][a-z]+)*)"
)
TITLED_NAME = re.compile(r"([\u4e00-\u9fa5])([\u4e00-\u9fa5]{0,2}?)(先生|女士|小姐|同志|师傅|阿姨)")
#: House, building, unit and room numbers in an address.
HOUSE_NUMBER = re.compile(r"\d+(?=\s*(?:号楼|号院|号|栋|幢|座|单元|室|层|楼|户))")
#: Free-text fields of complaint records that may hold personal data.
TEXT_FIELDS = ("description", "address", "note", "status_notes", "payload")


def mask_text(text: str | None) -> str | None:
    """``text`` with ID numbers, phone numbers, e-mail addresses and names masked."""
    if not text:
        return text
    text = ID_CARD.sub(lambda m: m.group(1) + ("*" * 8 + m.group(2) if m.group(2) else "*" * 6 + m.group(3)), text)
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    text = EMAIL.sub(r"\1***\2", text)
    text = LABELLED_NAME.sub(lambda m: m.group(1) + m.group(2)[0] + "*" * (len(m.group(2)) - 1), text)
    return TITLED_NAME.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_address(address: str | None) -> str | None:
    """An address down to its street: house, building and room numbers masked too."""
    return HOUSE_NUMBER.sub(lambda m: "*" * len(m.group(0)), mask_text(address)) if address else address


def mask_value(field: str, value):
    """One field of a record, masked if it is free text."""
    if not isinstance(value, str):
        return value
    return mask_address(value) if field == "address" else mask_text(value) if field in TEXT_FIELDS else value


def mask_record(record: dict, unmasked: bool) -> dict:
    """A record as a role sees it (``unmasked``: the role may see personal data)."""
    return record if unmasked else {k: mask_value(k, v) for k, v in record.items()}


def mask_frame(frame: pd.DataFrame, unmasked: bool) -> pd.DataFrame:
    """A table of records as a role sees it (exports)."""
    if unmasked:
        return frame
    out = frame.copy()
    for column in out.columns.intersection(TEXT_FIELDS):
        out[column] = out[column].map(lambda v, c=column: mask_value(c, v))
    return out


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every log record, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
