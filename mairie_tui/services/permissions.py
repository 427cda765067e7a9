"""Who may do what: the permission matrix every service checks.

Each use case that reads or writes personal data takes the acting agent
(`actor: Actor`) and is decorated with `@requires("permission")`: the role is
checked before anything is read. A permission « par site » (lists, pointage,
headcounts) also restricts school staff to the sites they are
attached to (table ``agent_site``, `Actor.sites`): the use case calls
`require(actor, permission, site=…)` once it knows the site, and
`may_see_site` filters a list of sites. Agents and supervisors see every site.

docs/architecture.md, « Permissions », shows this matrix as a table;
tests/services/test_permissions.py walks every public service function and
fails on one that neither checks a permission nor is allowed by name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from mairie_tui.services.common import KNOWN_ROLES, Actor
from mairie_tui.services.errors import PermissionDenied

AGENT, SUPERVISOR, STAFF = "agent", "supervisor", "staff"
COUNTER = frozenset({AGENT, SUPERVISOR})
EVERYONE = frozenset({AGENT, SUPERVISOR, STAFF})
SUPERVISORS = frozenset({SUPERVISOR})


@dataclass(frozen=True)
class Permission:
    name: str
    # What it allows, in French, completing « Votre rôle ne permet pas de … ».
    label: str
    roles: frozenset[str]
    # Staff only on the sites they are attached to.
    by_site: bool = False


PERMISSIONS = (
    Permission("foyers.lire", "consulter les foyers", COUNTER),
    Permission("foyers.modifier", "modifier un foyer", COUNTER),
    Permission("foyers.importer", "importer des foyers", COUNTER),
    Permission("foyers.exporter", "exporter les foyers", COUNTER),
    Permission("foyers.historique", "consulter l'historique d'un foyer", SUPERVISORS),
    Permission("reservations.lire", "consulter les réservations", COUNTER),
    Permission("reservations.modifier", "modifier les réservations", COUNTER),
    Permission("demarches.lire", "consulter les démarches", COUNTER),
    Permission("demarches.modifier", "déposer ou traiter une démarche", COUNTER),
    Permission("tarifs.modifier", "modifier les tarifs", SUPERVISORS),
    Permission("actualites.lire", "consulter les actualités", COUNTER),
    Permission("actualites.publier", "publier ou retirer une actualité", SUPERVISORS),
    Permission("courriels.lire", "consulter les courriels", COUNTER),
    Permission("courriels.envoyer", "envoyer les courriels", COUNTER),
    Permission("agents.gerer", "gérer les agents", SUPERVISORS),
    Permission("rgpd", "exercer les droits RGPD (export, purge)", SUPERVISORS),
    Permission("listes.lire", "consulter les listes et les effectifs", EVERYONE, by_site=True),
    Permission("listes.pointer", "faire le pointage", EVERYONE, by_site=True),
    Permission("listes.cloturer", "clôturer une journée", SUPERVISORS),
    Permission("menus.importer", "importer les menus de la cuisine", COUNTER),
    Permission("copie.exporter", "exporter une copie hors ligne", COUNTER),
    Permission("copie.importer", "importer une copie hors ligne", COUNTER),
    Permission("regie.lire", "consulter les factures, les paiements et la caisse", COUNTER),
    Permission("regie.encaisser", "encaisser un paiement", COUNTER),
    Permission("regie.facturer", "facturer un mois ou émettre un avoir", SUPERVISORS),
    Permission(
        "regie.regisseur",
        "annuler un encaissement, clôturer la caisse ou exporter la comptabilité",
        SUPERVISORS,
    ),
)
MATRIX: dict[str, Permission] = {permission.name: permission for permission in PERMISSIONS}
ROLE_NAMES = {AGENT: "agent d'accueil", SUPERVISOR: "superviseur", STAFF: "personnel école"}


def require(actor: Actor, permission: str, site: str | None = None) -> None:
    """Refuse with a French message unless `actor` has `permission` (on `site` if given)."""
    entry = MATRIX[permission]
    if actor.role not in KNOWN_ROLES:
        raise PermissionDenied("Rôle inconnu : action refusée.")
    if actor.role not in entry.roles:
        if entry.roles == SUPERVISORS:
            raise PermissionDenied(f"Seul un superviseur peut {entry.label}.")
        if actor.is_staff:
            raise PermissionDenied(
                "Le personnel des écoles n'a accès qu'aux listes et au pointage "
                f"(il ne peut pas {entry.label})."
            )
        raise PermissionDenied(
            f"Votre rôle ({ROLE_NAMES[actor.role]}) ne permet pas de {entry.label}."
        )
    if site is not None and entry.by_site and not may_see_site(actor, site):
        raise PermissionDenied(
            f"Le site {site} n'est pas l'un des vôtres : {entry.label} y est refusé. "
            "Un superviseur peut vous y rattacher."
        )


def may_see_site(actor: Actor, site: str) -> bool:
    """Staff see the sites they are attached to; agents and supervisors every site."""
    return not actor.is_staff or site in actor.sites


P = ParamSpec("P")
R = TypeVar("R")


def requires(permission: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Check `permission` for the function's `actor` argument before it runs.

    The checked function keeps its signature and carries `__permission__`
    (read by the test that walks the services).
    """
    MATRIX[permission]  # a misspelt permission fails at import, not at the counter

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        names = list(inspect.signature(function).parameters)
        if "actor" not in names:
            raise TypeError(f"{function.__qualname__} : pas de paramètre actor à contrôler")
        position = names.index("actor")

        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor", args[position] if position < len(args) else None)
            if not isinstance(actor, Actor):
                raise PermissionDenied("Aucun agent connecté : action refusée.")
            require(actor, permission)
            return function(*args, **kwargs)

        checked.__permission__ = permission  # type: ignore[attr-defined]
        return checked

    return decorate
