"""A catalogue file's text and TOML data, with the line of each key for error messages."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_tui.domain.catalogue.model import CatalogueError


@dataclass
class _Source:
    """A file's text, to point errors at the right line (tomllib keeps no positions)."""

    path: Path
    lines: list[str]

    def line_of(self, table: str | None, index: int | None = None, key: str | None = None) -> int:
        """Line of `key` in the index-th `[[table]]` (or `[table]`), else the header, else 1."""
        start = 0
        if table is not None:
            seen = -1
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if index is None or seen == index:
                        start = number
                        break
            else:
                return self._key_anywhere(key)
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + (1 if table else 0), len(self.lines)):
            line = self.lines[number]
            if table is not None and number > start and line.lstrip().startswith("["):
                break
            if table is None and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start + 1

    def _key_anywhere(self, key: str | None) -> int:
        if key is not None:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for number, line in enumerate(self.lines):
                if pattern.match(line):
                    return number + 1
        return 1

    def line_of_text(self, needle: str, after: int = 1) -> int:
        for number in range(max(after - 1, 0), len(self.lines)):
            if needle in self.lines[number]:
                return number + 1
        return after


def _read(path: Path) -> tuple[dict[str, Any], _Source]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(path, 1, f"fichier non UTF-8 ({exc.reason})") from None
    source = _Source(path, text.splitlines())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else 1
        raise CatalogueError(path, line, f"syntaxe TOML invalide : {exc}") from None
    return data, source


def _expect(
    source: _Source,
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: tuple[str | None, int | None],
    *,
    required: bool = True,
) -> Any:
    table, index = where
    if key not in data:
        if required:
            raise CatalogueError(
                source.path, source.line_of(table, index), f"clé « {key} » manquante"
            )
        return None
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogueError(
            source.path, source.line_of(table, index, key), f"« {key} » : type de valeur inattendu"
        )
    return value
