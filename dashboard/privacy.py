"""Personal data in complaint texts and addresses: names, phone numbers and ID-card numbers, masked for roles
that must not see them (the wall and the public never do) in pages, exports, the API — and always in logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pandas as pd

#: Full-width digits, letters X, brackets, plus, dot and hyphen, other dashes and spaces, read as their ASCII forms
#: before matching (one character for one, so that a match's place in the normalised text is its place in the
#: original).
_NORMAL = {
    **{code: code - 0xFEE0 for code in map(ord, "０１２３４５６７８９Ｘｘ（）＋．－")},
    **dict.fromkeys(map(ord, "‐‑‒–—―﹣"), "-"),
    **dict.fromkeys(map(ord, "\u3000\u00a0"), " "),
}
_TO_NORMALISE = re.compile("[" + "".join(map(chr, _NORMAL)) + "]")
_SEP = r"[ .\-]?"
#: Mainland ID card: 18 characters (region, birth date, sequence, check digit or X) or 15 digits, whole or in groups
#: separated by a space, a dot or a hyphen (6-8-4, 6-4-4-4, 6-6-3).
ID_CARD = re.compile(
    rf"(?<![0-9A-Za-z])(\d{{6}}){_SEP}(?:(\d{{4}}){_SEP}(\d{{4}}){_SEP}(\d{{3}}[\dXx])|(\d{{6}}){_SEP}(\d{{3}}))"
    r"(?![0-9A-Za-z])"
)
#: Mobile numbers (1[3-9]x xxxx xxxx), optionally after +86 / (+86) / 0086, in groups or not.
MOBILE = re.compile(rf"(?<!\d)((?:\(?(?:\+|00)?86\)?[ \-]?)?1[3-9]\d){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)")
#: Landlines with an area code: 0571-87654321, (0571)87654321, 0571 8765 4321, (010) 1234 5678.
LANDLINE = re.compile(r"(?<!\d)(?:\((0\d{2,3})\) ?|(0\d{2,3})[ \-])(\d{3,4})[ \-]?(\d{4})(?!\d)")
#: A local number (7 or 8 digits) after a word saying it is one: 电话：87654321, tel 8765-4321.
LABELLED_NUMBER = re.compile(
    r"((?:电话|手机|座机|联系方式|号码|[Tt]el|TEL|[Pp]hone)\s*[:：]?\s*)(\d{3,4})[ \-]?(\d{4})(?!\d)"
)
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
#: A name after a label (姓名/联系人/…: 张三) or a surname with a title (王先生, 李女士).
LABELLED_NAME = re.compile(
    r"((?:姓名|联系人|投诉人|反映人|来电人|来电者|市民|户主|业主|[Nn]ame)\s*[:：]?\s*)"
    r"([\u4e00-\u9fa5·]{2,3}|[A-Z][a-z]+(?: [A-Z][a-z]+)*)"
)
TITLED_NAME = re.compile(r"([\u4e00-\u9fa5])([\u4e00-\u9fa5]{0,2}?)(先生|女士|小姐|同志|师傅|阿姨)")
#: Common surnames (single and compound), for names that come without a label.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|皇甫|令狐|慕容|尉迟|公孙|长孙|宇文|司徒|夏侯"
#: A name introduced by the speaker (我叫王小明，本人张三反映…): a surname and one or two characters, ending where
#: the sentence goes on (punctuation, a verb of the complaint, a number).
UNLABELLED_NAME = re.compile(
    r"((?:我叫|我是|本人|名叫|叫做|我的名字是|我名字叫)\s*)"
    rf"((?:{COMPOUND_SURNAMES}|[{SURNAMES}])[\u4e00-\u9fa5]{{1,2}}?)"
    r"(?=反映|投诉|来电|举报|反应|咨询|住|家|在|的|说|要|想|电话|手机|联系|[，,。、；;！!？?\s\d（(]|$)"
)
#: House, building, unit and room numbers in an address.
HOUSE_NUMBER = re.compile(r"\d+(?=\s*(?:号楼|号院|号|栋|幢|座|单元|室|层|楼|户))")
#: Free-text fields of complaint records that may hold personal data.
TEXT_FIELDS = ("description", "address", "note", "status_notes", "payload")


def _sub(pattern: re.Pattern, text: str, replace: Callable[[re.Match, str], str]) -> str:
    """``text`` with each match of ``pattern`` in its normalised form replaced by ``replace(match, text)`` (the
    rest left as written)."""
    normal = text.translate(_NORMAL) if _TO_NORMALISE.search(text) else text
    pieces, last = [], 0
    for match in pattern.finditer(normal):
        pieces += [text[last : match.start()], replace(match, text)]
        last = match.end()
    return "".join([*pieces, text[last:]]) if pieces else text


def _id_card(m: re.Match, _text: str) -> str:
    return m.group(1) + ("*" * 8 + m.group(4) if m.group(4) else "*" * 6 + m.group(6))


def _first_only(m: re.Match) -> str:
    return m.group(1) + m.group(2)[0] + "*" * (len(m.group(2)) - 1)


def mask_text(text: str | None) -> str | None:
    """``text`` with ID numbers, phone numbers, e-mail addresses and names masked (full-width digits and grouped
    numbers too)."""
    if not text:
        return text
    text = _sub(ID_CARD, text, _id_card)
    text = _sub(MOBILE, text, lambda m, _: f"{m.group(1)}****{m.group(3)}")
    text = _sub(LANDLINE, text, lambda m, _: f"{m.group(1) or m.group(2)}-****{m.group(4)}")
    text = _sub(LABELLED_NUMBER, text, lambda m, original: f"{original[m.start(1) : m.end(1)]}****{m.group(3)}")
    text = EMAIL.sub(r"\1***\2", text)
    text = LABELLED_NAME.sub(_first_only, text)
    text = UNLABELLED_NAME.sub(_first_only, text)
    return TITLED_NAME.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_address(address: str | None) -> str | None:
    """An address down to its street: house, building and room numbers masked too."""
    return _sub(HOUSE_NUMBER, mask_text(address), lambda m, _: "*" * len(m.group(0))) if address else address


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
