"""Upload checks: size, type from the content (not the name), optional ClamAV scan."""

import io
import socket
import struct
import zipfile
from dataclasses import dataclass

from django.conf import settings

from pupilhub.core.errors import Invalid, TooLarge


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", ("pdf",))
PNG = Kind("image/png", ("png",))
JPEG = Kind("image/jpeg", ("jpg", "jpeg"))
GIF = Kind("image/gif", ("gif",))
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",))
OLE = Kind("application/vnd.ms-office", ("doc", "xls", "ppt"))
TEXT = Kind("text/plain", ("txt", "csv", "text"))

ALLOWED = "PDF, images (PNG, JPEG, GIF), Office documents or plain text"
_MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")


def _ooxml(head: bytes, data: bytes) -> Kind | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def _text(data: bytes) -> Kind | None:
    if b"\x00" in data[:8192]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lowered = text[:4096].lower().encode()
    if any(tag in lowered for tag in _MARKUP):
        return None  # HTML or SVG would render in a browser: never accepted
    return TEXT


def sniff(data: bytes) -> Kind | None:
    """What the bytes are, judged by their content alone."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(head, data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    return _text(data)


def check_upload(filename: str, data: bytes) -> Kind:
    """Refuse (413 or 400) anything too big, not on the allow list, or misnamed."""
    if len(data) > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise TooLarge(f"The file is larger than {limit} MB.", fields={"file": ["Too large."]})
    if not data:
        raise Invalid("The file is empty.", code="invalid_file", fields={"file": ["Empty file."]})
    kind = sniff(data)
    if kind is None:
        message = f"This type of file is not accepted. Upload {ALLOWED}."
        raise Invalid(message, code="file_type_not_allowed", fields={"file": [message]})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in kind.extensions:
        message = f"The file's name ends .{extension or '(none)'} but its content is not that type."
        raise Invalid(message, code="file_type_mismatch", fields={"file": [message]})
    if kind in (PNG, JPEG, GIF):
        from pupilhub.core.images import decode

        decode(data)  # a file that only starts like an image is refused here
    scan(data)
    return kind


def scan(data: bytes) -> None:
    """Stream to clamd (INSTREAM) when CLAMD_SOCKET is set; refuse what it flags."""
    path = settings.CLAMD_SOCKET
    if not path:
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(path)
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), 65536):
                chunk = data[start : start + 65536]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = sock.recv(4096)
    except OSError:
        raise Invalid(
            "The virus scanner is unavailable; please try again later.", code="scan_unavailable"
        ) from None
    if b"FOUND" in reply:
        message = "The virus scanner flagged this file; it was not stored."
        raise Invalid(message, code="virus_found", fields={"file": [message]})
