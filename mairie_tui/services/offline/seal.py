"""What binds a copy to its main database, and the code that opens it.

- The main database keeps a random secret (table ``app_secret``, created on the
  first export, never copied). A copy carries ``seal`` = HMAC-SHA256(secret,
  canonical identity): its id, site, period, export time, access-code hash
  and scope (its enrolments with their child, its units). The import
  recomputes it: an edited or foreign copy does not match and is refused.
- The access code: 12 characters from an alphabet without look-alikes, shown
  once at export; the copy keeps only a salted scrypt hash of it (not the
  ``$argon2`` of anyone's password).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mairie_tui.db import read_session
from mairie_tui.models.attendance import AppSecret
from mairie_tui.services.uow import writing

SECRET_NAME = "offline_copy_seal"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/1, O/0
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
COPY_ID = re.compile(r"copie-[0-9a-f]{16}")


@dataclass(frozen=True)
class Scope:
    """What a copy may bring back: its enrolments (id, child id) and its units."""

    enrolments: tuple[tuple[int, int], ...]
    units: tuple[int, ...]

    def to_json(self) -> str:
        return json.dumps(
            {"enrolments": [list(pair) for pair in self.enrolments], "units": list(self.units)},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Scope:
        """Raises ValueError (or KeyError/TypeError) on anything but what to_json writes."""
        data = json.loads(text)
        return cls(
            enrolments=tuple((int(e), int(p)) for e, p in data["enrolments"]),
            units=tuple(int(u) for u in data["units"]),
        )

    @property
    def enrolment_ids(self) -> frozenset[int]:
        return frozenset(e for e, _ in self.enrolments)


# ------------------------------------------------------------------ the secret


def _read_secret(session: Session) -> str | None:
    row = session.get(AppSecret, SECRET_NAME)
    return None if row is None else row.value


def existing_secret(session: Session) -> bytes | None:
    value = _read_secret(session)
    return None if value is None else bytes.fromhex(value)


def main_secret(engine: Engine) -> bytes:
    """The main database's sealing secret, created on first use (race-safe)."""
    with read_session(engine) as session:
        value = _read_secret(session)
    if value is None:
        try:
            with writing(engine, "copie hors ligne") as session:
                session.add(AppSecret(name=SECRET_NAME, value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another desk created it first: use theirs
        with read_session(engine) as session:
            value = _read_secret(session)
    assert value is not None
    return bytes.fromhex(value)


# ------------------------------------------------------------------ the seal


def seal(
    secret: bytes,
    *,
    copy_id: str,
    site: str,
    start: date,
    end: date,
    created_at: datetime,
    access_code_hash: str,
    scope: Scope,
) -> str:
    canonical = json.dumps(
        [
            "mairie-tui offline copy v1",
            copy_id,
            site,
            start.isoformat(),
            end.isoformat(),
            created_at.astimezone(UTC).isoformat(),
            access_code_hash,
            [list(pair) for pair in sorted(scope.enrolments)],
            sorted(scope.units),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ the access code


def new_access_code() -> str:
    """« K7QM-2HXA-PZ4E »: about 60 bits, read aloud or copied without ambiguity."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(text: str) -> str:
    """Upper case, without spaces or dashes (what the staff type may vary)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def hash_access_code(code: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(normalise_code(code), salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_access_code(stored: str, code: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        computed = _scrypt(normalise_code(code), bytes.fromhex(salt), int(n), int(r), int(p))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(computed, expected)


def _scrypt(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(code.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)
