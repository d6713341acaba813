"""Hostile .xlsx files built for the tests: zip bombs (streamed, so building one costs no memory)
and sheets written by hand."""

from __future__ import annotations

import functools
import io
import struct
import zipfile

GIB = 1024 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'


def sheet_xml(rows: str, prefix: str = "") -> bytes:
    """A worksheet whose sheetData holds ``rows`` (XML written by the caller)."""
    p = f"{prefix}:" if prefix else ""
    ns = _NS.replace("xmlns=", f"xmlns:{prefix}=") if prefix else _NS
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}><{p}sheetData>'
        f"{rows}</{p}sheetData></{p}worksheet>"
    ).encode()


def xlsx(sheet: bytes) -> bytes:
    """A minimal valid workbook around one worksheet's XML."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr(SHEET, sheet)
    return stream.getvalue()


@functools.cache
def bomb(inflated: int = GIB + 1024 * 1024) -> bytes:
    """A valid .xlsx of about 1 MB whose sheet1.xml inflates to ``inflated`` bytes: a header
    row, then the same small row again and again (each one a cell calamine would keep).

    Written through zipfile chunk by chunk: only the compressed bytes are ever held."""
    head = sheet_xml("").split(b"</sheetData>")[0] + HEADER_ROW.encode()
    tail = b"</sheetData></worksheet>"
    row = b'<row><c t="n"><v>1</v></c></row>'
    block = row * (1024 * 1024 // len(row))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET, "w") as out:
            out.write(head)
            left = inflated - len(head) - len(tail)
            while left >= len(block):
                out.write(block)
                left -= len(block)
            out.write(b" " * left)  # whitespace between rows is valid XML
            out.write(tail)
    return stream.getvalue()


def lying(data: bytes, member: str = SHEET, declared: int = 4096) -> bytes:
    """``data`` with ``member``'s uncompressed size rewritten to ``declared`` in both the local
    header and the central directory: the directory lies, the deflate stream does not."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    patched = bytearray(data)
    local = info.header_offset
    assert patched[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", patched, local + 22, declared)
    name = member.encode()
    central = patched.rfind(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46 : central + 46 + length] == name:
            struct.pack_into("<I", patched, central + 24, declared)
            break
        central = patched.rfind(b"PK\x01\x02", 0, central)
    else:
        raise AssertionError("no central directory entry")
    lied = bytes(patched)
    assert zipfile.ZipFile(io.BytesIO(lied)).getinfo(member).file_size == declared
    return lied
