"""`db backup` and `db restore` from the command line: counts printed, --json,
the confirmation question, French one-line refusals with status 2."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, reset_database
from tests.cli.signin import DEMO_SUPERVISOR

runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url):
    if db_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump absent : sauvegarde PostgreSQL non testée")
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "",
        **DEMO_SUPERVISOR,
    }


@pytest.fixture
def other_env(env, tmp_path, db_url, pg_databases):
    """The environment of a second, empty database of the same kind."""
    if db_url.startswith("sqlite"):
        yield {**env, "MAIRIE_DB_URL": f"sqlite:///{tmp_path / 'autre.db'}"}
        return
    url = pg_databases.new()
    engine = make_engine(url)
    reset_database(engine)
    engine.dispose()
    yield {**env, "MAIRIE_DB_URL": url}
    pg_databases.drop(url)


def invoke(args, env, input=None):
    return runner.invoke(app, args, env=env, input=input, catch_exceptions=False)


def households(env) -> list[str]:
    result = invoke(["search", "famille", "--json"], env)
    assert result.exit_code == 0, result.output
    return [hit["dossier"] for hit in json.loads(result.stdout)]


def test_backup_then_restore_into_another_database(env, other_env, tmp_path):
    assert invoke(["demo", "--households", "10"], env).exit_code == 0
    out = tmp_path / "sauvegarde.mairie"

    result = invoke(["db", "backup", "--out", str(out)], env)
    assert result.exit_code == 0, result.output
    assert f"Sauvegarde écrite dans {out} : 12 foyer(s)" in result.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600

    refused = invoke(["db", "restore", str(out)], other_env, input="n\n")
    assert refused.exit_code == 1
    assert "Toutes les données actuelles seront perdues." in refused.stdout
    assert "restauration annulée" in refused.stderr

    result = invoke(["db", "restore", str(out)], other_env, input="oui\n")
    assert result.exit_code == 0, result.output
    assert "Base restaurée : 12 foyer(s)" in result.stdout
    assert households(other_env) == households(env) == ["F-000000", "F-000001"]


def test_json_output_of_both_commands(env, other_env, tmp_path):
    assert invoke(["demo", "--households", "3"], env).exit_code == 0
    out = tmp_path / "s.mairie"
    made = json.loads(invoke(["db", "backup", "--out", str(out), "--json"], env).stdout)
    assert made["path"] == str(out)
    assert made["manifest"]["application"] == "mairie-tui"
    assert made["manifest"]["counts"]["households"] == 5
    restored = json.loads(invoke(["db", "restore", str(out), "--oui", "--json"], other_env).stdout)
    assert restored["counts"] == made["manifest"]["counts"]
    assert restored["revision"] == made["manifest"]["schema_revision"]


def test_a_file_that_is_not_a_backup_is_one_french_line(env, tmp_path):
    bogus = tmp_path / "foyers.csv"
    bogus.write_text("dossier;nom\nF-000001;TEST\n", encoding="utf-8")
    for args in (["db", "restore", str(bogus), "--yes"], ["db", "restore", str(tmp_path / "x")]):
        result = invoke(args, env)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    assert (
        "n'est pas une sauvegarde de mairie-tui"
        in invoke(["db", "restore", str(bogus), "--oui"], env).stderr
    )


def test_backup_into_a_missing_folder_is_refused(env, tmp_path):
    assert invoke(["demo", "--households", "0"], env).exit_code == 0
    result = invoke(["db", "backup", "--out", str(tmp_path / "absent" / "s.mairie")], env)
    assert result.exit_code == 2
    assert "dossier introuvable" in result.stderr


def run(args, env):
    """The real command in its own process: no connection of this test stays open."""
    return subprocess.run(
        [sys.executable, "-m", "mairie_tui", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_damaged_sqlite_file_is_replaced_by_the_backup(env, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite : un fichier abîmé ; PostgreSQL n'a pas de fichier à remplacer")
    assert run(["demo", "--households", "2"], env).returncode == 0
    out = tmp_path / "s.mairie"
    assert run(["db", "backup", "--out", str(out)], env).returncode == 0
    path = db_url.removeprefix("sqlite:///")
    with open(path, "r+b") as handle:
        handle.write(b"pas une base SQLite, un mauvais jour" * 200)
    assert "base de données inaccessible" in run(["agent", "list"], env).stderr
    result = run(["db", "restore", str(out), "--oui"], env)
    assert result.returncode == 0, result.stderr
    assert "Base restaurée : 4 foyer(s)" in result.stdout
    assert households(env) == ["F-000000", "F-000001"]
