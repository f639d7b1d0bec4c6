"""What kind of file a deliverable is, judged by its content (magic bytes), not by its name."""

from __future__ import annotations

import io
import struct
import zipfile

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office: .doc, .xls, .ppt
_OPEN_DOCUMENT = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_OFFICE_XML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
TEXT_KINDS = ("txt", "md", "csv")
# Kinds whose content looks alike: a file's name must name a kind of the same family.
FAMILIES = {"pdf": "pdf", "doc": "ole2", "xls": "ole2", "ppt": "ole2",
            **dict.fromkeys(("docx", "xlsx", "pptx", "odt", "ods", "odp", "zip"), "zip"),
            **dict.fromkeys(TEXT_KINDS, "text")}
# The stream in an OLE2 file's root storage that says which old Office program wrote it.
_OLE2_STREAMS = {"WordDocument": "doc", "Workbook": "xls", "Book": "xls",
                 "PowerPoint Document": "ppt"}
# Text that a browser would run or render as a page is not a text deliverable.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<iframe",
           b"<?php", b"<?xml", b"#!")


def extension(filename: str) -> str:
    """The part of a name after its last dot, lower-case ("" when there is none)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def claimed_kind(filename: str) -> str | None:
    """The kind a file's name claims, when its extension is one this module knows."""
    named = extension(filename)
    return named if named in FAMILIES else None


def detect_kind(content: bytes, filename: str) -> str | None:
    """The file's kind (``pdf``, ``docx``, ``txt``…) from its bytes; None when unrecognised
    or when the name claims a kind of another family (a ``.pdf`` that holds text).

    Text is taken only under a text name (txt, md, csv) and never when it looks like a web
    page or a script; an OLE2 file only under an old Office name and with the stream its
    program writes.
    """
    kind = _content_kind(content, filename)
    if kind is None:
        return None
    named = claimed_kind(filename)
    if named is not None:
        return kind if FAMILIES[named] == FAMILIES[kind] else None
    # A name without a known extension: only kinds whose content is unmistakable.
    return kind if FAMILIES[kind] in ("pdf", "zip") else None


def _content_kind(content: bytes, filename: str) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(OLE2):
        return _ole2_kind(content)
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    named = extension(filename)
    if named in TEXT_KINDS and _is_text(content) and not _is_markup(content):
        return named
    return None


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in _OPEN_DOCUMENT:
                    return _OPEN_DOCUMENT[declared]
            if "[Content_Types].xml" in names:
                for prefix, kind in _OFFICE_XML.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return "zip"


def _is_text(content: bytes) -> bool:
    sample = content[:65536]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(sample) - 3 and len(content) > len(sample)
    return True


def _is_markup(content: bytes) -> bool:
    start = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\f\v").lower()
    return start.startswith(_MARKUP)


_LAST = 0xFFFFFFFA  # the highest sector number; those above mark ends and free sectors
_MAX_SECTORS = 4096  # more directory or DIFAT sectors than any real document has


def _ole2_kind(content: bytes) -> str | None:
    """Which Office program wrote an OLE2 file, from the names in its root storage; None for
    other OLE2 files (installers, e-mails, ...) and for damaged ones."""
    try:
        names = _ole2_root_names(content)
    except (struct.error, ValueError, IndexError):
        return None
    return next((_OLE2_STREAMS[n] for n in names if n in _OLE2_STREAMS), None)


def _ole2_root_names(content: bytes) -> list[str]:
    shift = struct.unpack_from("<H", content, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << shift

    def sector(number: int) -> bytes:
        start = (number + 1) * size
        if number > _LAST or start + size > len(content):
            raise ValueError("sector outside the file")
        return content[start:start + size]

    fat_sectors = [n for n in struct.unpack_from("<109I", content, 0x4C) if n <= _LAST]
    difat, seen = struct.unpack_from("<I", content, 0x44)[0], 0
    while difat <= _LAST and seen < _MAX_SECTORS:  # more FAT sectors listed elsewhere
        entries = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors += [n for n in entries[:-1] if n <= _LAST]
        difat, seen = entries[-1], seen + 1
    fat = b"".join(sector(n) for n in fat_sectors)

    directory = bytearray()
    current, seen = struct.unpack_from("<I", content, 0x30)[0], 0
    while current <= _LAST and seen < _MAX_SECTORS:
        directory += sector(current)
        current, seen = struct.unpack_from("<I", fat, current * 4)[0], seen + 1
    count = len(directory) // 128

    def entry(number: int) -> tuple[str, int, int, int]:
        raw = directory[number * 128:(number + 1) * 128]
        length = min(struct.unpack_from("<H", raw, 0x40)[0], 64)
        name = bytes(raw[:max(length - 2, 0)]).decode("utf-16-le", "replace")
        left, right, child = struct.unpack_from("<3I", raw, 0x44)
        return name, left, right, child

    if count == 0 or directory[0x42] != 5:  # entry 0 is the root storage
        raise ValueError("no root entry")
    names: list[str] = []
    pending, visited = [entry(0)[3]], set()
    while pending:  # the root's children: a tree linked through left and right siblings
        number = pending.pop()
        if number >= count or number in visited:
            continue
        visited.add(number)
        name, left, right, _child = entry(number)
        names.append(name)
        pending += [left, right]
    return names


def safe_name(filename: str, kind: str) -> str:
    """A file name fit to show and to send back: no path, no control characters, the right
    extension for its real kind, at most 120 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:110] or "file"
    return f"{stem}.{kind}"
