"""What kind of file a deliverable is, judged by its content (magic bytes), not by its name."""

from __future__ import annotations

import io
import zipfile

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office: .doc, .xls, .ppt
_OPEN_DOCUMENT = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_OFFICE_XML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
TEXT_KINDS = ("txt", "md", "csv")


def detect_kind(content: bytes, filename: str) -> str | None:
    """The file's kind (``pdf``, ``docx``, ``txt``…) from its bytes; None when unrecognised.

    The name only decides between kinds its content cannot tell apart: which old Office
    program wrote an OLE2 file, and whether text is plain text, Markdown or CSV.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(OLE2):
        return extension if extension in ("doc", "xls", "ppt") else "doc"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if _is_text(content):
        return extension if extension in TEXT_KINDS else "txt"
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


def safe_name(filename: str, kind: str) -> str:
    """A file name fit to show and to send back: no path, no control characters, the right
    extension for its real kind, at most 120 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:110] or "file"
    return f"{stem}.{kind}"
