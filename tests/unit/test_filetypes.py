"""File kinds are judged by content: real samples of each kind, and disguised ones."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from handlers.filetypes import OLE2, claimed_kind, detect_kind, safe_name


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PPTX = zipped({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
ODP = zipped({"mimetype": b"application/vnd.oasis.opendocument.presentation"})
ZIP = zipped({"photos/a.txt": b"hello"})
NONE = 0xFFFFFFFF


def ole2(*streams: str, sector_shift: int = 9) -> bytes:
    """A minimal OLE2 compound file whose root storage holds empty streams of these names."""
    size = 1 << sector_shift
    header = bytearray(512)
    header[:8] = OLE2
    struct.pack_into("<HHH", header, 0x1A, 3 if sector_shift == 9 else 4, 0xFFFE, sector_shift)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<IIIIIII", header, 0x2C, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 0x48, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *[NONE] * 108)
    header += bytes(size - 512) if size > 512 else b""
    fat = bytearray(struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + b"\xff" * (size - 8))

    def entry(name: str, kind: int, right: int, child: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 0x44, NONE, right, child)
        return bytes(raw)

    entries = [entry("Root Entry", 5, NONE, 1 if streams else NONE)]
    entries += [entry(name, 2, n + 2 if n + 1 < len(streams) else NONE, NONE)
                for n, name in enumerate(streams)]
    directory = b"".join(entries).ljust(size, b"\x00")
    return bytes(header) + bytes(fat) + directory


DOC, XLS = ole2("\x01CompObj", "WordDocument", "1Table"), ole2("Workbook")
PPT, MSI = ole2("PowerPoint Document", sector_shift=12), ole2("\x05SummaryInformation")


@pytest.mark.parametrize(("content", "name", "kind"), [
    (b"%PDF-1.7\n...", "report.pdf", "pdf"), (b"%PDF-1.7\n...", "report", "pdf"),
    (DOCX, "tor.docx", "docx"), (XLSX, "budget.xlsx", "xlsx"), (PPTX, "slides.pptx", "pptx"),
    (ODT, "tor.odt", "odt"), (ODS, "budget.ods", "ods"), (ODP, "slides.odp", "odp"),
    (ZIP, "annexes.zip", "zip"), (DOCX, "tor.zip", "docx"), (DOCX, "tor.xlsx", "docx"),
    (DOC, "old.doc", "doc"), (XLS, "old.xls", "xls"), (PPT, "old.ppt", "ppt"),
    (DOC, "old.xls", "doc"),  # an old Office name: the content says which program
    ("Relatório em português\n".encode(), "notes.txt", "txt"),
    (b"# Title\n\ntext", "notes.md", "md"), (b"a,b\n1,2\n", "data.csv", "csv"),
    (b"\xef\xbb\xbfa,b\n", "data.csv", "csv"),
])
def test_kinds_by_content(content: bytes, name: str, kind: str) -> None:
    assert detect_kind(content, name) == kind


@pytest.mark.parametrize(("content", "name"), [
    (b"%PDF-1.4\n...", "report.docx"),  # a PDF is not really a Word document
    (b"plain words", "notes.pdf"),  # text is not really a PDF
    (b"plain words", "notes"), (b"plain words", "notes.html"),  # text needs a text name
    (b"<!DOCTYPE html><script>steal()</script>", "page.txt"),
    (b"  \n<html><body onload=x()>", "page.md"), (b"<script>alert(1)</script>", "a.csv"),
    (b"\xef\xbb\xbf<svg onload=x()>", "a.txt"), (b"#!/bin/sh\nrm -rf ~", "run.txt"),
    (DOCX, "tor.pdf"), (ZIP, "annexes.txt"),
    (DOC, "old.bin"), (DOC, "old"), (DOC, "old.docx"),  # OLE2 only under an old Office name
    (MSI, "setup.doc"),  # an installer is OLE2 too, but has no Word stream
    (OLE2 + b"\x00" * 100, "old.doc"),  # the signature alone, no directory
    (OLE2 + b"\xff" * 2000, "old.doc"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf"),  # a Windows program named .pdf
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.pdf"),
    (b"PK\x03\x04broken", "broken.docx"),
    (b"", "empty.txt"),
    ("é".encode("latin-1") * 10, "latin1.txt"),
])
def test_refused_kinds(content: bytes, name: str) -> None:
    assert detect_kind(content, name) is None


def test_the_kind_a_name_claims() -> None:
    assert [claimed_kind(n) for n in ("a.PDF", "a.txt", "a", "a.exe", "dir.pdf/a")] == \
        ["pdf", "txt", None, None, None]


def test_text_cut_inside_a_character_is_still_text() -> None:
    content = "ção".encode() * 40000  # longer than the sample; a cut may split "ç"
    assert detect_kind(content, "long.txt") == "txt"


@pytest.mark.parametrize(("given", "kind", "safe"), [
    ("../../etc/passwd", "txt", "passwd.txt"),
    ("C:\\Users\\ana\\ToR v2.docx", "docx", "ToR v2.docx"),
    ("report.pdf.exe", "pdf", "report.pdf.pdf"),
    ("\x00\x1b[31mred", "txt", "[31mred.txt"),
    ("", "pdf", "file.pdf"),
])
def test_safe_names(given: str, kind: str, safe: str) -> None:
    assert safe_name(given, kind) == safe
