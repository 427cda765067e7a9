"""Files and logs (issue 11, item 6): the data folder 0700, bases and exports 0600, and
the error log in the data folder, 0600, never through a symbolic link, without personal
data; the agent is given a reference to quote instead."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.cli import app
from mairie_tui.db import make_engine
from tests.cli.signin import signed_in

runner = CliRunner()
FAMILY = "DUPONTEL-SECRET"  # a family's name, the personal data that must not leak


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """The usual 022 of a desktop session, so that only our own modes can make files private."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def invoke(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, env=env, catch_exceptions=False)


# ---------------------------------------------------------------- data folder and bases


def test_demo_makes_a_private_data_folder_and_base(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"MAIRIE_DATA_DIR": str(data), "MAIRIE_DB_URL": "", "MAIRIE_NOW": ""}
    result = invoke(["demo", "--households", "3"], env)
    assert result.exit_code == 0, result.stderr
    assert mode(data) == 0o700
    base = data / "mairie.db"
    assert mode(base) == 0o600
    # SQLite's companions take the base's mode (WAL mode keeps them while open).
    engine = make_engine(f"sqlite:///{base}")
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM household")).scalar_one()
        for suffix in ("-wal", "-shm"):
            companion = base.with_name(base.name + suffix)
            assert companion.exists() and mode(companion) == 0o600, suffix
    engine.dispose()


def test_an_existing_open_folder_and_base_are_tightened(tmp_path: Path, db_url: str) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    env = {"MAIRIE_DATA_DIR": str(data), "MAIRIE_DB_URL": db_url, "MAIRIE_NOW": ""}
    if db_url.startswith("sqlite"):
        os.chmod(tmp_path / "mairie.db", 0o644)  # the fixture's base, as an old version left it
    result = invoke(["effectifs", "--json"], env)
    assert result.exit_code == 0, result.stderr
    assert mode(data) == 0o700
    if db_url.startswith("sqlite"):
        assert mode(tmp_path / "mairie.db") == 0o600


# ---------------------------------------------------------------- exports


def test_export_households_is_written_0600_and_never_through_a_link(
    tmp_path: Path, db_url: str
) -> None:
    env = {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "",
        **signed_in(db_url),
    }
    out = tmp_path / "foyers.csv"
    out.write_text("ancien export\n")
    os.chmod(out, 0o644)
    result = invoke(["export", "households", "--out", str(out)], env)
    assert result.exit_code == 0, result.stderr
    assert mode(out) == 0o600 and "ancien export" not in out.read_text()
    fresh = tmp_path / "nouveau.csv"
    assert invoke(["export", "households", "--out", str(fresh)], env).exit_code == 0
    assert mode(fresh) == 0o600
    # A link planted where the export goes: refused, its target untouched.
    target = tmp_path / "autre-fichier"
    target.write_text("à garder\n")
    link = tmp_path / "lien.csv"
    link.symlink_to(target)
    refused = runner.invoke(app, ["export", "households", "--out", str(link)], env=env)
    assert refused.exit_code == 2 and "écriture impossible" in refused.stderr
    assert target.read_text() == "à garder\n"


# ---------------------------------------------------------------- error log


def fail_with_family_name(engine, text_query, **_kwargs):  # type: ignore[no-untyped-def]
    """A search that hits an unexpected database error with a family's name as parameter."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT CAST(:name AS integer)"), {"name": FAMILY})
        else:
            conn.execute(text("INSERT INTO pas_de_table (nom) VALUES (:name)"), {"name": FAMILY})
    raise AssertionError("the statement above fails")


def run_main(monkeypatch: pytest.MonkeyPatch, data: Path, db_url: str, args: list[str]) -> int:
    """cli.main() as the `mairie-tui` command runs it; its exit status."""
    monkeypatch.setenv("MAIRIE_DATA_DIR", str(data))
    monkeypatch.setenv("MAIRIE_DB_URL", db_url)
    monkeypatch.setenv("MAIRIE_NOW", "")
    for name, value in signed_in(db_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["mairie-tui", *args])
    monkeypatch.setattr("mairie_tui.services.search.find_households", fail_with_family_name)
    monkeypatch.setattr(os, "umask", lambda _mask: 0o022)  # main() must not change pytest's
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return int(stopped.value.code or 0)


def test_unexpected_error_goes_to_a_private_log_without_personal_data(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert run_main(monkeypatch, data, db_url, ["search", "dupontel"]) == 1
    shown = capsys.readouterr().err
    log = data / "erreurs.log"
    assert log.is_file() and mode(log) == 0o600
    content = log.read_text(encoding="utf-8")
    reference = content.split()[1]
    assert reference.startswith("ERR-") and reference in shown
    assert FAMILY not in content and FAMILY not in shown
    assert "Traceback" not in shown
    # What the support needs: the error's class, the statement, where it happened.
    assert "sqlalchemy.exc." in content and "fail_with_family_name" in content
    assert "SQL : " in content and ("CAST(" in content or "pas_de_table" in content)
    # A second error is appended, with its own reference.
    assert run_main(monkeypatch, data, db_url, ["search", "dupontel"]) == 1
    again = log.read_text(encoding="utf-8")
    assert again.startswith(content) and again.count("--- ERR-") == 2


def test_error_log_never_follows_a_symbolic_link(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    victim = tmp_path / "fichier-d-un-autre"
    victim.write_text("intact\n")
    (data / "erreurs.log").symlink_to(victim)
    assert run_main(monkeypatch, data, db_url, ["search", "dupontel"]) == 1
    shown = capsys.readouterr().err
    assert victim.read_text() == "intact\n"
    assert "ERR-" in shown and "n'a pas pu être écrit" in shown
    assert FAMILY not in shown


def test_the_old_temp_log_is_not_written(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run_main(monkeypatch, tmp_path / "data", db_url, ["search", "dupontel"]) == 1
    assert not (temp / "mairie-tui-erreurs.log").exists()


def test_engines_hide_statement_parameters(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(Exception) as caught:
            fail_with_family_name(engine, "x")
        message = str(caught.value)
        assert "SQL parameters hidden" in message and f"'{FAMILY}'" not in message
        # PostgreSQL still quotes the value in its own message (invalid input syntax…):
        # that is why the error log keeps no message at all.
        assert (FAMILY in message) == (engine.dialect.name == "postgresql")
    finally:
        engine.dispose()


def test_the_tui_message_gives_a_reference_and_logs_no_personal_data(tmp_path: Path) -> None:
    from mairie_tui import errorlog
    from mairie_tui.tui.errors import french_message

    errorlog.set_directory(tmp_path)
    try:
        error = IntegrityError(
            "INSERT INTO household (name) VALUES (%(name)s)",
            {"name": FAMILY},
            Exception(f"duplicate key: Key (name)=({FAMILY}) already exists"),
        )
        message = french_message(error)
        unexpected = french_message(ValueError(f"nom invalide : {FAMILY}"))
    finally:
        errorlog.set_directory(None)
    content = (tmp_path / "erreurs.log").read_text(encoding="utf-8")
    references = [line.split()[1] for line in content.splitlines() if line.startswith("--- ")]
    assert len(references) == 2
    assert references[0] in message and message.startswith("Erreur de base de données")
    assert references[1] in unexpected and unexpected.startswith("Erreur inattendue (ValueError)")
    assert FAMILY not in content + message + unexpected
    assert "INSERT INTO household (name) VALUES (%(name)s)" in content
    assert mode(tmp_path / "erreurs.log") == 0o600


def test_a_tui_crash_shows_a_reference_not_a_traceback_with_locals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import io

    from rich.console import Console

    from mairie_tui.config import load_settings
    from mairie_tui.tui.app import MairieApp

    settings = load_settings(db_url="sqlite://", data_dir=str(tmp_path / "data"), environ={})
    crashing = MairieApp(settings)
    printed = io.StringIO()
    crashing.error_console = Console(file=printed, width=200)

    def boom() -> None:
        family = FAMILY  # a local variable: Textual's traceback would print it
        raise RuntimeError("plantage " + family[:0])

    async def run() -> None:
        async with crashing.run_test() as pilot:
            crashing.call_later(boom)
            await pilot.pause()

    with pytest.raises(RuntimeError):
        asyncio.run(run())
    shown = printed.getvalue()
    content = (tmp_path / "data" / "erreurs.log").read_text(encoding="utf-8")
    reference = content.split()[1]
    assert reference in shown and "Erreur inattendue (RuntimeError)" in shown
    assert FAMILY not in shown and FAMILY not in content
    assert "boom" in content
