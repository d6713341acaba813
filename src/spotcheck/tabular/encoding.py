"""Which encoding a CSV file is in: UTF-8 (with or without BOM) or GB18030, else a refusal.

Big5 (traditional Chinese from Taiwan or Hong Kong) decodes as GB18030 without a single error,
as mojibake ("臺灣測試" → "籓芖代刚"), because every Big5 byte pair is also a GBK one. So a
text that is not UTF-8 is decoded as GB18030 line by line and each line with Chinese is judged:
mojibake is mostly characters outside GB2312's hanzi and punctuation (kana, Greek, Cyrillic,
private-use, rare GBK extensions), where real simplified Chinese text has at most a few rare
name characters. A line where they are a third or more of its non-ASCII characters (and at
least two) is suspect; it is Big5 when it also decodes strictly as Big5 into mostly Big5's
common characters. Otherwise charset-normalizer names what the suspect lines look like, and
the file is refused only when it does not count GB18030 among the candidates at all.

The refusal names the encoding and the first records that show it, decoded with that encoding
so the user recognises the text. Valid GB18030 and UTF-8 files, short ones included, pass.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

SHOWN_ROWS = 3
SAMPLE_LINES = 50
BLOCK = 1 << 20
_NON_ASCII = re.compile("[^\x00-\x7f]")
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz", "utf_8", "utf-8", "ascii"}
NAMES = {
    "big5": "Big5（繁体中文）",
    "big5hkscs": "Big5-HKSCS（香港繁体中文）",
    "cp950": "Big5（繁体中文）",
    "shift_jis": "Shift_JIS（日文）",
    "shift_jis_2004": "Shift_JIS（日文）",
    "shift_jisx0213": "Shift_JIS（日文）",
    "cp932": "Shift_JIS（日文）",
    "euc_jp": "EUC-JP（日文）",
    "euc_jis_2004": "EUC-JP（日文）",
    "euc_kr": "EUC-KR（韩文）",
    "cp949": "EUC-KR（韩文）",
    "johab": "Johab（韩文）",
    "cp1252": "Windows-1252（西欧文字）",
    "latin_1": "ISO-8859-1（西欧文字）",
    "iso8859_1": "ISO-8859-1（西欧文字）",
}
_CODEC_OF = {"big5": "big5", "cp950": "cp950", "big5hkscs": "big5hkscs"}


class EncodingRefused(Exception):
    """The text is not UTF-8 or GB18030; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def label(encoding: str) -> str:
    """How to name an encoding to the user."""
    return {"utf-8-sig": "UTF-8（带 BOM）", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(
        encoding, _name(encoding)
    )


def _name(encoding: str) -> str:
    return NAMES.get(encoding, encoding.upper().replace("_", "-"))


def detect(data: bytes, delimiter: str = ",") -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``; :class:`EncodingRefused` for anything else."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingRefused("CSV 文件是 UTF-16 编码，不支持；请另存为“CSV UTF-8（逗号分隔）”")
    if data.startswith(codecs.BOM_UTF8):
        problem = _first_undecodable(data, "utf-8")
        if problem is not None:
            raise EncodingRefused(
                f"文件标明为 UTF-8 编码，但第 {_line_of(data, problem)} 行含有无法识别的字符"
            )
        return "utf-8-sig"
    if _first_undecodable(data, "utf-8") is None:
        return "utf-8"
    problem = _first_undecodable(data, "gb18030")
    if problem is not None:
        guess = _guess(data[:65536])
        seems = f"（看起来是 {_name(guess)}）" if guess else ""
        raise EncodingRefused(
            f"无法识别文件编码{seems}：第 {_line_of(data, problem)} 行含有既不是 UTF-8 也不是 "
            "GB18030（GBK）的字符；请另存为“CSV UTF-8（逗号分隔）”"
        )
    _refuse_mojibake(data, delimiter)
    return "gb18030"


@dataclass
class _Verdict:
    suspect: bool
    big5: bool


def _judge(raw: bytes) -> _Verdict:
    """Whether one line (or record) decoded as GB18030 looks like mojibake, and like Big5."""
    text = raw.decode("gb18030", "replace")
    odd = len(_odd_gb().findall(text))
    if odd < 2 or odd * 3 < len(_NON_ASCII.findall(text)):
        return _Verdict(False, False)
    try:
        big5 = raw.decode("big5")
    except UnicodeDecodeError:
        return _Verdict(True, False)
    odd_big5 = len(_odd_big5().findall(big5))
    return _Verdict(True, odd_big5 < odd and odd_big5 * 3 < len(_NON_ASCII.findall(big5)))


def _refuse_mojibake(data: bytes, delimiter: str) -> None:
    suspects: list[bytes] = []
    big5 = 0
    for line in _lines_with_odd_characters(data):
        verdict = _judge(line)
        if verdict.suspect:
            suspects.append(line)
            big5 += verdict.big5
            if len(suspects) >= SAMPLE_LINES:
                break
    if not suspects:
        return
    if big5 * 2 > len(suspects):
        encoding = "big5"
    else:
        encoding = _guess(b"\n".join(suspects), gb_possible=False) or ""
        if not encoding:
            return  # GB18030 stays a candidate: rare characters, not mojibake
    raise EncodingRefused(_message(data, delimiter, encoding))


def _lines_with_odd_characters(data: bytes) -> Iterator[bytes]:
    """The lines (as bytes) holding a character outside GB2312's common set, found block by
    block with one regular-expression search, so a file without any costs no loop per line."""
    odd = _odd_gb()
    start = 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + BLOCK) + 1 or min(start + BLOCK, len(data))
        text = data[start:end].decode("gb18030", "replace")
        start = end
        position = 0
        while (found := odd.search(text, position)) is not None:
            begin = text.rfind("\n", 0, found.start()) + 1
            stop = text.find("\n", found.start())
            stop = len(text) if stop < 0 else stop
            yield text[begin:stop].encode("gb18030", "replace")
            position = stop + 1


def _guess(sample: bytes, *, gb_possible: bool = True) -> str | None:
    """charset-normalizer's best non-GB encoding for ``sample``, or None.

    With ``gb_possible=False`` there is no answer when GB18030 is among its candidates."""
    matches = list(from_bytes(sample))
    if not gb_possible and any(m.encoding in _GB_FAMILY for m in matches):
        return None
    for match in matches:
        if match.encoding not in _GB_FAMILY:
            return str(match.encoding)
    return None


def _message(data: bytes, delimiter: str, encoding: str) -> str:
    codec = _CODEC_OF.get(encoding, encoding)
    shown = []
    for number, raw in _suspect_records(data, delimiter):
        text = raw.decode(codec, "replace").strip()
        text = text if len(text) <= 60 else text[:60] + "…"
        shown.append(f"第 {number} 行“{text}”")
        if len(shown) >= SHOWN_ROWS:
            break
    rows = "；".join(shown)
    return (
        f"文件编码看起来是 {_name(encoding)}，不是 UTF-8 或 GB18030：{rows}；"
        "请另存为 UTF-8（如 Excel 的“CSV UTF-8（逗号分隔）”）后重新导入"
    )


def _suspect_records(data: bytes, delimiter: str) -> list[tuple[int, bytes]]:
    """The first records (numbered as the reader numbers them) that look like mojibake."""
    found: list[tuple[int, bytes]] = []
    text = io.TextIOWrapper(io.BytesIO(data), encoding="latin-1", newline="")
    try:
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            raw = delimiter.join(cells).encode("latin-1")
            if not raw.isascii() and _judge(raw).suspect:
                found.append((number, raw))
                if len(found) >= SHOWN_ROWS:
                    break
    except csv.Error:
        pass  # the reader reports the broken CSV itself; show the records found so far
    return found


@functools.cache
def _odd_gb() -> re.Pattern[str]:
    """Characters that are not ASCII, GB2312 symbols/full-width forms (rows 1–3) or hanzi."""
    return _outside([(0xA1, 0xA3), (0xB0, 0xF7)], "gb2312")


@functools.cache
def _odd_big5() -> re.Pattern[str]:
    """Characters that are not ASCII, Big5 symbols or Big5's frequent (level 1) hanzi."""
    return _outside([(0xA1, 0xA3), (0xA4, 0xC6)], "big5")


def _outside(leads: list[tuple[int, int]], codec: str) -> re.Pattern[str]:
    chars = set()
    for low, high in leads:
        for lead in range(low, high + 1):
            for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    continue
    common = "".join(sorted(c for c in chars if len(c) == 1 and ord(c) > 0x7F))
    return re.compile("[^\x00-\x7f" + re.escape(common) + "]")


def _first_undecodable(data: bytes, encoding: str) -> int | None:
    """Offset of the first byte that does not decode, or None; decodes in chunks to bound memory."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    chunk = 1 << 20
    for start in range(0, len(data), chunk):
        try:
            decoder.decode(data[start : start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as exc:
            return start + exc.start
    return None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
