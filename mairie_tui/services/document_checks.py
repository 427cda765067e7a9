"""What makes a file acceptable as a pièce justificative, before anything is stored.

The file itself: a path without `..`; the file named, not a symbolic link
(the folders above it may be links: that is how homes and shares are mounted);
a regular file, never a folder, a FIFO or a device (checked with lstat before
opening, which could block or rewind a tape, and again with fstat on the
descriptor opened with O_NOFOLLOW, so that nothing can be swapped in between).

Its content: a PDF, a JPEG or a PNG by its first bytes, and nothing else too.
A polyglot, a file that two kinds of programs read each as their own (a PDF
that is also a web page or a ZIP archive), is refused. The rule:

* the signature of the type is at byte 0: nothing may come before `%PDF-`;
* no other format's signature where its readers look for it: `%PDF-` anywhere
  but at byte 0 (PDF readers search the first kilobyte, some the whole file),
  the end record of a ZIP archive (`PK\\x05\\x06`, which ZIP readers search in
  the last 64 Kio), HTML or script markup anywhere (`<script`, `<html`,
  `<iframe`, `<svg`, `<?php`…: a browser renders what it finds);
* nothing after the end of a PDF (`%%EOF`, then only blank bytes) or of a PNG
  (its IEND chunk): appended data is where polyglots are put. A JPEG is not
  held to this, phones append their own data after the image.

Scanners and office software do not produce any of these; a pièce refused this
way is printed to PDF again or scanned.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from mairie_tui.services.errors import DocumentRefused

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = (
    os.O_RDONLY
    | _NOFOLLOW
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
ZIP_TAIL = 65_535 + 22  # the longest ZIP comment + the end record
MARKUP = re.compile(
    rb"<(?:script|html|!doctype\s+html|iframe|svg|object|embed|body|\?php)[\s>/]",
    re.IGNORECASE,
)
PDF_END = re.compile(rb"%%EOF[\s\x00]*\Z")
PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class FileType:
    magic: bytes
    media_type: str
    label: str
    extension: str  # of the stored file and of the name kept
    extensions: tuple[str, ...]  # names already ending so keep their extension


TYPES = (
    FileType(b"%PDF-", "application/pdf", "PDF", ".pdf", (".pdf",)),
    FileType(b"\xff\xd8\xff", "image/jpeg", "JPEG", ".jpg", (".jpg", ".jpeg")),
    FileType(b"\x89PNG\r\n\x1a\n", "image/png", "PNG", ".png", (".png",)),
)


def detect(head: bytes) -> FileType | None:
    """The type of a PDF, JPEG or PNG from its first bytes, or None."""
    for kind in TYPES:
        if head.startswith(kind.magic):
            return kind
    return None


def other_format(kind: FileType, content: bytes) -> str | None:
    """The other format `content` also is (see the module's rule), or None."""
    if content.find(b"%PDF-", 1) != -1:
        return "PDF"
    if b"PK\x05\x06" in content[-ZIP_TAIL:]:
        return "archive ZIP"
    if MARKUP.search(content):
        return "page web ou script"
    if kind.label == "PDF" and not PDF_END.search(content[-1024:]):
        return "données après la fin du PDF"
    if kind.label == "PNG" and not content.endswith(PNG_END):
        return "données après la fin de l'image"
    return None


def kept_name(name: str, kind: FileType) -> str:
    """The name kept for the pièce: its extension is the detected type's.

    « evil.exe » holding a PDF is kept as « evil.pdf »; « scan » as
    « scan.pdf »; « photo.JPEG » stays as it is.
    """
    path = PurePath(name)
    if path.suffix.lower() in kind.extensions:
        return name[:255]
    stem = (path.stem if path.suffix else path.name) or "piece"
    return stem[: 255 - len(kind.extension)] + kind.extension


def _refuse_path(source: Path | str) -> Path:
    text = str(source)
    if ".." in Path(text).parts or ".." in text.replace("\\", "/").split("/"):
        raise DocumentRefused("Chemin refusé : il ne doit pas contenir « .. ».", field="path")
    return Path(text)


def _check_node(path: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise DocumentRefused(
            f"« {path.name} » est un lien symbolique : choisissez le fichier lui-même.",
            field="path",
        )
    if not stat.S_ISREG(info.st_mode):
        raise DocumentRefused(
            f"« {path.name} » n'est pas un fichier ordinaire (dossier, tube ou périphérique).",
            field="path",
        )


def _check_size(size: int, max_bytes: int) -> None:
    limit = f"{max_bytes / (1024 * 1024):g} Mo"
    if size > max_bytes:
        raise DocumentRefused(
            f"Fichier trop volumineux ({size / (1024 * 1024):.1f} Mo) : {limit} au plus.",
            field="path",
        )
    if size == 0:
        raise DocumentRefused("Fichier vide.", field="path")


def read_source(source: Path | str, max_bytes: int) -> tuple[Path, bytes]:
    """The content of a regular file given by the agent (see the module's rules)."""
    path = _refuse_path(source)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise DocumentRefused(f"Fichier introuvable : {path}", field="path") from None
    except OSError as exc:
        raise DocumentRefused(
            f"Fichier illisible : {path} ({exc.strerror}).", field="path"
        ) from None
    _check_node(path, info)
    _check_size(info.st_size, max_bytes)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # made a link since lstat
            _check_node(path, os.lstat(path))
        raise DocumentRefused(
            f"Fichier illisible : {path} ({exc.strerror}).", field="path"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        _check_node(path, opened)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise DocumentRefused(f"« {path.name} » a changé pendant la lecture.", field="path")
        os.set_blocking(handle.fileno(), True)
        content = handle.read(max_bytes + 1)
    if len(content) > max_bytes:  # grew while reading
        _check_size(len(content), max_bytes)
    return path, content


def check_content(path: Path, content: bytes) -> FileType:
    """The detected type of an acceptable pièce; DocumentRefused otherwise."""
    kind = detect(content[:16])
    if kind is None:
        raise DocumentRefused(
            f"« {path.name} » n'est ni un PDF, ni une image JPEG ou PNG (contenu vérifié, "
            "pas seulement l'extension).",
            field="path",
        )
    other = other_format(kind, content)
    if other is not None:
        raise DocumentRefused(
            f"« {path.name} » est un {kind.label} qui contient aussi autre chose ({other}) : "
            "refusé. Imprimez-le à nouveau en PDF ou scannez-le.",
            field="path",
        )
    return kind
