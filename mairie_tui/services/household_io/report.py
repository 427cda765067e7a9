"""What an import says: each bad line with its number and column, warnings, counts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BadLine:
    """One problem: the file's line (JSON: the line where the household starts), the column."""

    line: int
    reason: str
    column: str = ""

    def text(self) -> str:
        where = f"ligne {self.line}" + (f", colonne {self.column}" if self.column else "")
        return f"{where} : {self.reason}"


@dataclass
class ImportReport:
    lines: int = 0
    good: int = 0
    imported: int = 0
    already_present: int = 0
    empty_lines: int = 0
    bad: list[BadLine] = field(default_factory=list)
    # Accepted values that a spreadsheet would run as a formula (kept as literal text).
    warnings: list[BadLine] = field(default_factory=list)
    applied: bool = False

    def add(self, line: int, column: str, reason: str) -> None:
        self.bad.append(BadLine(line, reason, column))

    @property
    def bad_lines(self) -> int:
        return len({bad.line for bad in self.bad})

    def summary(self) -> str:
        verb = (
            "importés" if self.applied else "à importer (essai : rien n'est écrit, ajoutez --apply)"
        )
        count = self.imported if self.applied else self.good
        text = (
            f"{self.lines} lignes lues : {count} foyers {verb}, {self.bad_lines} lignes en erreur"
        )
        if self.already_present:
            text += f", {self.already_present} déjà présents (ignorés)"
        if self.empty_lines:
            text += f", {self.empty_lines} lignes vides ignorées"
        if self.warnings:
            text += (
                f", {len(self.warnings)} valeurs commençant comme une formule de tableur "
                "(gardées comme texte)"
            )
        return text + "."
