"""Where a sweep's files live: a local folder or any pyarrow filesystem URI (s3://, gs://, file://).

Every write is whole-file and atomic: locally a file written beside the target and
renamed over it; on an object store a single PUT, which readers see whole or not at all.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq


def is_uri(location: str | Path) -> bool:
    return "://" in str(location)


@dataclass(frozen=True)
class Folder:
    """One results folder; ``uri`` is what users see and what Ray Tune is given as storage."""

    fs: pafs.FileSystem
    path: str
    uri: str

    @classmethod
    def at(cls, location: str | Path) -> Folder:
        """The folder at a local path or a URI."""
        if is_uri(location):
            fs, path = pafs.FileSystem.from_uri(str(location))
            return cls(fs, path.rstrip("/"), str(location).rstrip("/"))
        local = str(Path(location).expanduser().resolve())
        return cls(pafs.LocalFileSystem(), local, local)

    def child(self, name: str) -> Folder:
        sep = "/" if is_uri(self.uri) else os.sep
        return Folder(self.fs, posixpath.join(self.path, name), self.uri + sep + name)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    def _file(self, name: str) -> str:
        return posixpath.join(self.path, name)

    def exists(self, name: str = "") -> bool:
        return self.fs.get_file_info(self._file(name) if name else self.path).type != pafs.FileType.NotFound

    def is_dir(self, name: str = "") -> bool:
        return self.fs.get_file_info(self._file(name) if name else self.path).type == pafs.FileType.Directory

    def names(self) -> list[str]:
        """Base names of the entries directly inside this folder."""
        if not self.is_dir():
            return []
        return [e.base_name for e in self.fs.get_file_info(pafs.FileSelector(self.path, recursive=False))]

    def remove_except(self, keep: str) -> None:
        """Delete every entry but ``keep`` (overwrite keeps the run's lock while clearing the old results)."""
        for name in self.names():
            if name == keep:
                continue
            if self.is_dir(name):
                self.fs.delete_dir(self._file(name))
            else:
                self.fs.delete_file(self._file(name))

    def create_new(self, name: str, text: str) -> bool:
        """Write ``name`` only if it does not exist; False if it does (atomic locally, best effort on a URI)."""
        self.make()
        if not self.is_local:
            if self.exists(name):
                return False
            self.write_text(name, text)
            return True
        try:
            fd = os.open(self._file(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        return True

    def remove_file(self, name: str) -> None:
        if self.exists(name):
            self.fs.delete_file(self._file(name))

    def make(self) -> None:
        self.fs.create_dir(self.path, recursive=True)

    def remove_grandchildren(self, prefix: str) -> int:
        """Delete every folder ``<child>/<prefix>*`` (the trials' checkpoints under ray/); returns how many."""
        if not self.is_dir():
            return 0
        removed = 0
        for child in self.fs.get_file_info(pafs.FileSelector(self.path, recursive=False)):
            if child.type != pafs.FileType.Directory:
                continue
            for entry in self.fs.get_file_info(pafs.FileSelector(child.path, recursive=False)):
                if entry.type == pafs.FileType.Directory and entry.base_name.startswith(prefix):
                    self.fs.delete_dir(entry.path)
                    removed += 1
        return removed

    def read_text(self, name: str) -> str | None:
        if not self.exists(name):
            return None
        with self.fs.open_input_stream(self._file(name)) as stream:
            return stream.read().decode()

    def write_text(self, name: str, text: str) -> None:
        self._write(name, lambda sink: sink.write(text.encode()))

    def read_table(self, name: str) -> pa.Table | None:
        return pq.read_table(self._file(name), filesystem=self.fs) if self.exists(name) else None

    def write_table(self, name: str, table: pa.Table) -> None:
        self._write(name, lambda sink: pq.write_table(table, sink, compression="zstd"))

    def _write(self, name: str, writer: object) -> None:
        target = self._file(name)
        staging = posixpath.join(self.path, f".{name}.{os.getpid()}.tmp") if self.is_local else target
        with self.fs.open_output_stream(staging) as sink:
            writer(sink)  # type: ignore[operator]
        if staging != target:
            self.fs.move(staging, target)
