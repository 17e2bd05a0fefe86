"""Bounded reading of uploaded zip archives (XLSX workbooks, QTI packages).

A zip's headers declare each member's size, but a hostile file can lie, and a small
file can inflate to gigabytes ("zip bomb"). :class:`BoundedZip` refuses an archive with
too many members or a declared size over the caps before anything is inflated, then
inflates members in chunks with a running count of the bytes actually produced, and
stops with :class:`ArchiveRefused` as soon as a member or the whole archive passes its
cap, so memory never grows past the cap.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

CHUNK = 64 * 1024
MB = 1024 * 1024


class ArchiveRefused(ValueError):
    """The archive is not a zip, or it is over a size or entry-count limit."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int = 200
    max_total_bytes: int = 10 * MB  # everything inflated from one archive
    max_member_bytes: int = 10 * MB  # one member


def _mb(n: int) -> str:
    return f"{n / MB:.1f}"


class _CappedStream(io.RawIOBase):
    """A member's inflated bytes, counted against the member and archive caps."""

    def __init__(self, archive: BoundedZip, name: str, cap: int) -> None:
        self._archive, self._name, self._cap = archive, name, cap
        self._raw = archive.zip.open(name)
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._raw.read(min(len(buffer), CHUNK))
        except (
            zipfile.BadZipFile,
            EOFError,
            zlib.error,
        ) as exc:  # bad CRC, truncated data
            raise ArchiveRefused(
                _("%(name)s is corrupt: its data does not match its header.")
                % {"name": self._name}
            ) from exc
        self._read += len(data)
        if self._read > self._cap:
            raise ArchiveRefused(
                _("%(name)s inflates to more than %(mb)s MB.")
                % {"name": self._name, "mb": _mb(self._cap)}
            )
        self._archive.count(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _declared_entry_count(data: bytes) -> int | None:
    """The total entry count of the end-of-central-directory record, if there is one."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


class BoundedZip:
    def __init__(self, data: bytes, limits: ArchiveLimits | None = None) -> None:
        self.limits = limits or ArchiveLimits()
        declared_entries = _declared_entry_count(data)
        if declared_entries is not None and declared_entries > self.limits.max_entries:
            # 0xFFFF means "see the zip64 record": at least that many.
            # Refused before zipfile builds an object per central-directory entry.
            raise ArchiveRefused(
                _("The archive has %(n)d entries; at most %(max)d are allowed.")
                % {"n": declared_entries, "max": self.limits.max_entries}
            )
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise ArchiveRefused(_("The file is not a readable zip archive.")) from exc
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_entries:
            raise ArchiveRefused(
                _("The archive has %(n)d entries; at most %(max)d are allowed.")
                % {"n": len(infos), "max": self.limits.max_entries}
            )
        declared = 0
        for info in infos:
            if info.file_size > self.limits.max_member_bytes:
                raise ArchiveRefused(
                    _("%(name)s inflates to more than %(mb)s MB.")
                    % {"name": info.filename, "mb": _mb(self.limits.max_member_bytes)}
                )
            declared += info.file_size
        if declared > self.limits.max_total_bytes:
            raise ArchiveRefused(
                _("The archive inflates to more than %(mb)s MB.")
                % {"mb": _mb(self.limits.max_total_bytes)}
            )
        self.inflated = 0
        self.names = {i.filename for i in infos}

    def count(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_total_bytes:
            raise ArchiveRefused(
                _("The archive inflates to more than %(mb)s MB.")
                % {"mb": _mb(self.limits.max_total_bytes)}
            )

    def open(self, name: str, *, max_bytes: int | None = None) -> io.BufferedReader:
        """A stream of the member's bytes that stops at the caps."""
        cap = min(
            max_bytes or self.limits.max_member_bytes, self.limits.max_member_bytes
        )
        try:
            return io.BufferedReader(_CappedStream(self, name, cap), CHUNK)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise ArchiveRefused(
                _("%(name)s cannot be read from the archive.") % {"name": name}
            ) from exc

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes:
        try:
            with self.open(name, max_bytes=max_bytes) as stream:
                return stream.read()
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
        ) as exc:  # bad CRC, truncated data
            raise ArchiveRefused(
                _("%(name)s cannot be read from the archive.") % {"name": name}
            ) from exc
