"""A démarche's workflow: its statuses and the transitions an agent may make.

The catalogue (data/demarches/*.toml) declares each workflow; this module only
holds the shapes and the rules that read them, so that screens can show the
buttons of a request and services can refuse a move the workflow forbids.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUS_LABELS_DEFAULT = {
    "deposee": "Déposée",
    "en_cours": "En cours d'instruction",
    "en_attente": "En attente de pièces",
    "traitee": "Traitée",
    "refusee": "Refusée",
    "annulee": "Annulée",
}


class WorkflowError(Exception):
    """A transition the workflow does not allow, or a missing comment (French message)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    final: bool = False


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    comment_required: bool = False


@dataclass(frozen=True)
class Workflow:
    code: str
    initial: str
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]

    def status(self, code: str) -> Status:
        for status in self.statuses:
            if status.code == code:
                return status
        raise WorkflowError(f"Statut inconnu : « {code} ».")

    def label(self, code: str) -> str:
        for status in self.statuses:
            if status.code == code:
                return status.label
        return STATUS_LABELS_DEFAULT.get(code, code)

    def is_final(self, code: str) -> bool:
        return any(status.code == code and status.final for status in self.statuses)

    def allowed(self, source: str) -> tuple[Transition, ...]:
        """The moves an agent may make from `source`, in catalogue order."""
        return tuple(t for t in self.transitions if t.source == source)

    def check(self, source: str, target: str, comment: str) -> Transition:
        """The transition source → target, or WorkflowError saying why not."""
        for transition in self.allowed(source):
            if transition.target == target:
                if transition.comment_required and not comment.strip():
                    raise WorkflowError(
                        f"Un commentaire est obligatoire pour passer la demande à "
                        f"« {self.label(target)} » : il sera envoyé à la famille.",
                        field="comment",
                    )
                return transition
        if self.is_final(source):
            raise WorkflowError(
                f"La demande est « {self.label(source)} » : elle ne peut plus changer de statut."
            )
        targets = ", ".join(f"« {self.label(t.target)} »" for t in self.allowed(source))
        raise WorkflowError(
            f"Impossible de passer de « {self.label(source)} » à « {self.label(target)} »"
            + (f" (possible : {targets})." if targets else ".")
        )

    def problems(self) -> list[str]:
        """Inconsistencies of the declaration (unknown statuses, unreachable ones)."""
        codes = [status.code for status in self.statuses]
        found: list[str] = []
        if len(set(codes)) != len(codes):
            found.append("statut déclaré deux fois")
        if self.initial not in codes:
            found.append(f"statut initial inconnu « {self.initial} »")
        for transition in self.transitions:
            for end in (transition.source, transition.target):
                if end not in codes:
                    found.append(f"transition vers ou depuis un statut inconnu « {end} »")
            if self.is_final(transition.source):
                found.append(f"transition depuis le statut final « {transition.source} »")
        return found
