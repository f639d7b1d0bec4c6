"""File kinds are judged by content: real samples of each kind, and disguised ones."""

from __future__ import annotations

import io
import zipfile

import pytest

from handlers.filetypes import OLE2, detect_kind, safe_name


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


@pytest.mark.parametrize(("content", "name", "kind"), [
    (b"%PDF-1.7\n...", "report.pdf", "pdf"),
    (b"%PDF-1.4\n...", "report.docx", "pdf"),  # the name does not decide
    (DOCX, "tor.docx", "docx"), (XLSX, "budget.xlsx", "xlsx"), (PPTX, "slides.pptx", "pptx"),
    (ODT, "tor.odt", "odt"), (ODS, "budget.ods", "ods"), (ODP, "slides.odp", "odp"),
    (ZIP, "annexes.zip", "zip"), (DOCX, "tor.zip", "docx"),
    (OLE2 + b"\x00" * 100, "old.doc", "doc"), (OLE2 + b"\x00" * 100, "old.xls", "xls"),
    (OLE2 + b"\x00" * 100, "old.ppt", "ppt"), (OLE2 + b"\x00" * 100, "old.bin", "doc"),
    ("Relatório em português\n".encode(), "notes.txt", "txt"),
    (b"# Title\n\ntext", "notes.md", "md"), (b"a,b\n1,2\n", "data.csv", "csv"),
    (b"plain words", "notes.pdf", "txt"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf", None),  # a Windows program named .pdf
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.pdf", None),
    (b"PK\x03\x04broken", "broken.docx", None),
    (b"", "empty.txt", None),
    ("é".encode("latin-1") * 10, "latin1.txt", None),
])
def test_kinds_by_content(content: bytes, name: str, kind: str | None) -> None:
    assert detect_kind(content, name) == kind


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
