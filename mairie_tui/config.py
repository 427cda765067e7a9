"""Settings, from the environment and the command line, validated once.

Every problem is a SettingsError whose message is one French line; the CLI
prints it and exits with status 2.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mairie_tui.clock import Clock, FrozenClock, SystemClock, parse_now
from mairie_tui.files import make_private_dir

SUPPORTED_DRIVERS = ("sqlite", "postgresql")


class SettingsError(Exception):
    """A configuration problem, said in one French line."""


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server and how the sender uses it (services/outbox.py).

    `security`: "" (plain, port 25 inside the mairie's network), "starttls" (port 587)
    or "ssl" (implicit TLS, port 465). A transient failure (server down, slow, 4xx) is
    retried after `retry_base` seconds, doubled at each attempt up to `retry_max`;
    after `max_attempts` the mail is « échec ». A claim older than `lease` seconds is
    taken over by another sender (its sender died)."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "mairieprim@ales.fr"
    security: str = ""
    timeout: float = 30.0
    max_attempts: int = 8
    retry_base: float = 60.0
    retry_max: float = 3600.0
    lease: float = 600.0
    poll: float = 10.0
    # The application sends while an agent is signed in; off when a service does it alone.
    in_app: bool = True

    @property
    def starttls(self) -> bool:
        return self.security == "starttls"


@dataclass(frozen=True)
class Settings:
    db_url: str
    data_dir: Path
    now: datetime | None = None
    smtp: SmtpSettings | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        return FrozenClock(self.now) if self.now is not None else SystemClock()

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mairie-tui"


_OS_ERRORS = {
    errno.EACCES: "droits insuffisants",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "chemin introuvable",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier porte déjà ce nom",
}


def _check_data_dir(path: Path) -> Path:
    path = path.expanduser()
    try:
        make_private_dir(path)
        probe = path / ".ecriture-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        reason = _OS_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
        raise SettingsError(f"dossier de données inutilisable : {path} ({reason})") from None
    return path


def normalise_db_url(url: str) -> str:
    """Check a database URL and pick our drivers (psycopg 3 for PostgreSQL)."""
    # Imported here: SQLAlchemy is heavy and the TUI shows its sign-in screen first.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(
            f"adresse de base de données invalide : « {url} » "
            "(exemples : sqlite:///mairie.db, postgresql://utilisateur@hôte/base)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DRIVERS:
        raise SettingsError(
            f"base de données non prise en charge : « {backend} » (SQLite ou PostgreSQL)"
        )
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.database and parsed.database != ":memory:":
        parent = Path(parsed.database).expanduser().parent
        if not parent.exists():
            raise SettingsError(f"dossier de la base SQLite introuvable : {parent}")
    return parsed.render_as_string(hide_password=False)


def load_settings(
    *,
    db_url: str | None = None,
    now: str | None = None,
    data_dir: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build Settings; explicit arguments win over MAIRIE_* variables."""
    env = dict(os.environ if environ is None else environ)
    directory = _check_data_dir(Path(data_dir or env.get("MAIRIE_DATA_DIR") or default_data_dir()))
    url = db_url or env.get("MAIRIE_DB_URL") or f"sqlite:///{directory / 'mairie.db'}"
    url = normalise_db_url(url)
    now_text = now or env.get("MAIRIE_NOW")
    frozen: datetime | None = None
    if now_text:
        try:
            frozen = parse_now(now_text)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
    smtp = _smtp_settings(env) if env.get("MAIRIE_SMTP_HOST") else None
    return Settings(db_url=url, data_dir=directory, now=frozen, smtp=smtp)


_SECURITIES = {"": "", "aucune": "", "none": "", "starttls": "starttls", "ssl": "ssl", "tls": "ssl"}


def _number(env: dict[str, str], name: str, default: str, *, integer: bool = False) -> float:
    text = env.get(name, default).strip()
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise SettingsError(f"{name} doit être un nombre (« {text} »)") from None
    if value <= 0:
        raise SettingsError(f"{name} doit être positif (« {text} »)")
    return value


def _smtp_settings(env: dict[str, str]) -> SmtpSettings:
    """MAIRIE_SMTP_*: the server, its security (STARTTLS or SSL) and the sender's rhythm."""
    security = env.get("MAIRIE_SMTP_SECURITY", "").strip().lower()
    if not security and env.get("MAIRIE_SMTP_STARTTLS", "") in ("1", "true", "oui"):
        security = "starttls"
    if security not in _SECURITIES:
        raise SettingsError(
            f"MAIRIE_SMTP_SECURITY inconnu : « {security} » (starttls, ssl ou aucune)"
        )
    security = _SECURITIES[security]
    default_port = {"": "25", "starttls": "587", "ssl": "465"}[security]
    return SmtpSettings(
        host=env["MAIRIE_SMTP_HOST"],
        port=int(_number(env, "MAIRIE_SMTP_PORT", default_port, integer=True)),
        user=env.get("MAIRIE_SMTP_USER") or None,
        password=env.get("MAIRIE_SMTP_PASSWORD"),
        sender=env.get("MAIRIE_SMTP_FROM", "mairieprim@ales.fr"),
        security=security,
        timeout=_number(env, "MAIRIE_SMTP_TIMEOUT", "30"),
        max_attempts=int(_number(env, "MAIRIE_SMTP_TRIES", "8", integer=True)),
        retry_base=_number(env, "MAIRIE_SMTP_RETRY", "60"),
        poll=_number(env, "MAIRIE_SMTP_POLL", "10"),
        in_app=env.get("MAIRIE_SMTP_IN_APP", "1").strip().lower() not in ("0", "false", "non"),
    )
