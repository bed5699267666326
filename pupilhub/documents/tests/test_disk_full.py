"""Issue 27: a full disk answered "Something went wrong" and left partial files; a full
temporary space answered "field is required" and kept the partial file open."""

import errno
import os

from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from pupilhub.core import uploads
from pupilhub.documents.models import Attachment

PDF = b"%PDF-1.4\n" + b"x" * 1000


def _url(p):
    return f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/files"


def _files_under(root):
    return sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)


def test_a_full_file_store_is_a_507_and_leaves_no_partial_file(personas, monkeypatch):
    before = _files_under(default_storage.location)
    real_save = FileSystemStorage._save

    def half_then_full(self, name, content):
        real_save(self, name, SimpleUploadedFile(name, b"%PDF-1.4 partial"))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", half_then_full)
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    r = personas.api("senco").post(_url(personas), {"file": upload}, format="multipart")
    assert r.status_code == 507 and r.json()["error"]["code"] == "storage_full"
    assert not Attachment.objects.exists()
    assert _files_under(default_storage.location) == before


def test_a_full_temporary_space_is_a_507_and_the_temporary_file_goes(
    personas, settings, monkeypatch
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every upload goes to a temporary file
    made = []
    real = uploads.TemporaryFileUploadHandler.new_file

    def tracked(self, *args, **kwargs):
        real(self, *args, **kwargs)
        made.append(self.file.temporary_file_path())

    def full(self, raw_data, start):
        self.file.write(raw_data[:5])  # a part is written, then the space runs out
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.TemporaryFileUploadHandler, "new_file", tracked)
    monkeypatch.setattr(uploads.TemporaryFileUploadHandler, "receive_data_chunk", full)
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    r = personas.api("senco").post(_url(personas), {"file": upload}, format="multipart")
    assert r.status_code == 507 and r.json()["error"]["code"] == "storage_full"
    assert made and not os.path.exists(made[0])
    page = personas.web("senco").post(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/files/new/",
        {"file": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")},
    )
    assert page.status_code == 507 and "file store is full" in page.content.decode()
    assert not Attachment.objects.exists()
