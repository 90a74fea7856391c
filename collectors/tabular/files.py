"""A drop folder: files to read, their checksums and text, and where they go once stored."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: Encodings tried in order; GB18030 is the superset of GBK/GB2312 that Chinese office software writes.
ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFile(ValueError):
    """The whole file cannot be read (encoding, binary content, no usable header)."""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def decode(content: bytes) -> str:
    """The file's text in the first encoding that decodes it."""
    if b"\x00" in content:
        raise UnreadableFile("binary content (NUL bytes): not a text export")
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"not decodable as {' or '.join(ENCODINGS)}")


def move_to(path: Path, folder: Path, checksum: str) -> Path:
    """Move ``path`` into ``folder``; a different file of the same name already there is kept too."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists() and sha256(target.read_bytes()) != checksum:
        target = folder / f"{path.stem}.{checksum[:12]}{path.suffix}"
    os.replace(path, target)
    return target


def reject_file(path: Path, folder: Path, checksum: str, reason: str) -> None:
    """Move ``path`` into ``folder`` with a ``<name>.reason.txt`` next to it."""
    target = move_to(path, folder, checksum)
    target.with_name(f"{target.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
