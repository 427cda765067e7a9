"""One place that turns any failure of a service call into a French sentence."""

from __future__ import annotations


def french_message(error: BaseException | None) -> str:
    """The message shown to the agent: the service's own words, never a traceback."""
    # Imported here: the sign-in screen must appear before SQLAlchemy is loaded.
    from mairie_tui.db import DatabaseError
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.failures import DatabaseFailure, database_failure

    if error is None:
        return "Erreur inconnue."
    if isinstance(error, ServiceError):
        return error.french_message()  # the error's class decides what is shown
    if isinstance(error, DatabaseError):
        return str(error)
    failure = database_failure(error)
    if failure is DatabaseFailure.UNAVAILABLE:
        return "Base de données indisponible ou occupée : réessayez dans un instant."
    # Unexpected: recorded without personal data (errorlog), the agent quotes the reference.
    from mairie_tui import errorlog

    where = errorlog.record(error).where()
    if failure is DatabaseFailure.OTHER:
        return f"Erreur de base de données : l'opération n'a pas été enregistrée ({where})."
    return f"Erreur inattendue ({type(error).__name__}) : l'opération n'a pas abouti ({where})."


def crash_text(error: BaseException | None) -> str:
    """What the terminal shows after the application stopped on an unhandled error.

    Replaces Textual's traceback, which prints local variables (a family's data).
    """
    from mairie_tui import errorlog

    name = type(error).__name__ if error is not None else "inconnue"
    where = errorlog.record(error).where() if error is not None else "aucun détail"
    return f"Erreur inattendue ({name}) : l'application s'est arrêtée ; {where}."
