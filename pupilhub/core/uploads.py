"""Uploads when the disk is full: a clear 507 `storage_full`, and no partial file left
behind (neither the upload's temporary file nor a half-written stored one)."""

import contextlib
import errno
from typing import Any

from django.core.files.storage import Storage
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

from .errors import StorageFull

FULL = (errno.ENOSPC, errno.EDQUOT)


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL


class TemporaryFileHandler(TemporaryFileUploadHandler):
    """Django's handler for large uploads, which, when the temporary space fills, removes
    its partial file and stops the upload (instead of a dropped file, "field required",
    and a temporary file held open until the worker restarts)."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        try:
            return super().receive_data_chunk(raw_data, start)  # type: ignore[no-any-return]
        except OSError as exc:
            if not is_full(exc):
                raise
            self.file.close()  # a TemporaryUploadedFile deletes itself on close
            self.request.upload_storage_full = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False) from exc


def check(request: HttpRequest) -> None:
    """Raise StorageFull when this request's upload was stopped by a full disk."""
    if getattr(request, "upload_storage_full", False):
        raise StorageFull()


def save(storage: Storage, name: str, content: Any) -> str:
    """Store `content` under `name` (a server-made, unique name); on a full disk remove
    whatever part was written and raise StorageFull."""
    try:
        return storage.save(name, content)
    except OSError as exc:
        if not is_full(exc):
            raise
        with contextlib.suppress(OSError):
            storage.delete(name)
        raise StorageFull() from exc
