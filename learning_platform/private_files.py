"""Private files (district documents, signed letters, exports): stored outside ``/media/``.

They live in the ``private`` storage (``PRIVATE_MEDIA_ROOT``), which no URL serves.
A view that has checked access answers with :func:`private_file_response`: in
development Django streams the file; in production, with
``PRIVATE_FILES_ACCEL_PREFIX`` set, the answer is an empty response whose
``X-Accel-Redirect`` header tells nginx to send the file from an ``internal``
location, so the web process does not stream it.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.deconstruct import deconstructible

from learning_platform.downloads import content_disposition


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage with no public URL: files leave only through checked views."""

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no public URL; serve them through a view "
            "that checks access."
        )


def private_storage() -> Storage:
    """Return the private storage (a callable, so migrations do not freeze its location)."""
    return storages["private"]


def private_file_response(
    file: FieldFile, *, filename: str, as_attachment: bool = True
) -> HttpResponse:
    """Answer with a private file, after the caller has checked access."""
    prefix = getattr(settings, "PRIVATE_FILES_ACCEL_PREFIX", "")
    if prefix:
        assert file.name, "callers pass a field that holds a file"
        response = HttpResponse()
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
        response["Content-Disposition"] = content_disposition(
            filename, as_attachment=as_attachment
        )
        # nginx sets the type from the file it sends.
        del response["Content-Type"]
        return response
    return FileResponse(file.open("rb"), as_attachment=as_attachment, filename=filename)
