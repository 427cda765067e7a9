"""Errors raised by services; their message is French and shown as is.

Every service error is defined here. What the agent reads is decided by the
error's class: `french_message()` is the message, and a class that carries
more (a rule's list of problems) says how to show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mairie_tui.domain.household_rules import FieldError


class ServiceError(Exception):
    """A use case refused: the message says why, in French, for the agent."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def french_message(self) -> str:
        """The text shown to the agent (screen, command line)."""
        return self.message


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""

    @classmethod
    def numbered(cls, what: str, ident: object) -> NotFoundError:
        """`Foyer introuvable (n° 12).`: `what` is the French noun, capitalised."""
        return cls(f"{what} introuvable (n° {ident}).")


class PermissionDenied(ServiceError):
    """The agent's role does not allow this."""


READ_ONLY_COPY_MESSAGE = "Copie hors ligne : seul le pointage est possible"


class ReadOnlyCopy(PermissionDenied):
    """A write other than pointage was attempted in an offline copy."""

    @classmethod
    def refusing(cls, what: str) -> ReadOnlyCopy:
        """`Copie hors ligne : seul le pointage est possible (dépôt de démarche refusé).`"""
        return cls(f"{READ_ONLY_COPY_MESSAGE} ({what} refusé).")


class ConflictError(ServiceError):
    """Another desk changed the same data in between (optimistic locking)."""


class RuleViolation(ServiceError):
    """A business rule refuses the change (deadline, holiday, capacity…)."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def french_message(self) -> str:
        """The message, then each problem it does not already say, one per line."""
        missing = [problem for problem in self.problems if problem not in self.message]
        return "\n".join([self.message] + [f"• {problem}" for problem in missing])


class InvalidAnswers(ServiceError):
    """Some answers of a démarche's form are wrong: `errors` maps each field code to its
    French message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(
            first[1] if len(errors) == 1 else f"{len(errors)} réponses à corriger : {first[1]}",
            field=first[0],
        )
        self.errors = dict(errors)


class InvalidHousehold(ServiceError):
    """The household form has errors; `errors` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(" ; ".join(error.message for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class DuplicateCandidate:
    """A household that looks like the one being saved, and why."""

    household_id: int
    dossier: str
    representative: str
    commune: str
    reason: str


class PossibleDuplicates(ServiceError):
    """Households that look like this one; the agent decides (save anyway or open one)."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        names = ", ".join(f"{c.dossier} {c.representative} ({c.reason})" for c in candidates)
        super().__init__(f"Doublon possible : {names}.")
        self.candidates = candidates


class ImportFileError(ServiceError):
    """An import file as a whole cannot be read (header, format); the message names the line."""


class DocumentRefused(ServiceError):
    """A pièce's file is not accepted (type, size, path, validity); nothing was stored."""


class AuthenticationError(ServiceError):
    """Sign-in refused; the message never says whether the login exists."""


class BusyError(ServiceError):
    """The database stayed busy (locks, serialisation) after every retry: try again."""

    def __init__(
        self, message: str = "Un autre guichet enregistre en ce moment, réessayez."
    ) -> None:
        super().__init__(message)


class StorageRefused(ServiceError):
    """The database refused the write (a constraint, a value out of range): nothing written."""


class DatabaseUnavailable(ServiceError):
    """The database could not be reached or answered too slowly: nothing written."""
