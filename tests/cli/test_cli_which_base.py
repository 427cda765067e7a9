"""The command line says which base it opened when that base is new or empty (issue 13).

Also for the commands that do not migrate the base (`base migrer`, `base sauvegarder`): a
sign-in refused by an empty base must not look like a wrong password on the right base.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mairie_tui.cli import app

runner = CliRunner()


def env_for(tmp_path, **extra):
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": "",
        "MAIRIE_NOW": "",
        "MAIRIE_AGENT": "",
        "MAIRIE_PASSWORD": "",
        **extra,
    }


def test_base_migrer_says_which_new_base_it_creates(tmp_path):
    result = runner.invoke(app, ["base", "migrer"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "data" / "mairie.db"
    assert result.stderr.startswith(f"Base ouverte : {path} (nouvelle, vide).")
    assert result.stdout.startswith("Base mise à jour : vide → ")


def test_a_refused_sign_in_on_an_empty_base_says_which_base(tmp_path):
    env = env_for(tmp_path)
    assert runner.invoke(app, ["base", "migrer"], env=env).exit_code == 0
    signed = {**env, "MAIRIE_AGENT": "superviseur", "MAIRIE_PASSWORD": "superviseur"}
    out = tmp_path / "sauvegarde.mairie"
    result = runner.invoke(app, ["base", "sauvegarder", "--out", str(out)], env=signed)
    assert result.exit_code == 2
    path = tmp_path / "data" / "mairie.db"
    first, second = result.stderr.splitlines()[:2]
    assert first.startswith(f"Base ouverte : {path} (vide : aucun agent).")
    assert "MAIRIE_DATA_DIR=.demo" in first
    assert second.startswith("Erreur : connexion refusée")
    assert not out.exists()


def test_json_output_stays_clean_and_the_demo_is_not_told_it_is_empty(tmp_path):
    env = env_for(tmp_path)
    listed = runner.invoke(app, ["listes", "sites", "--json"], env=env)
    assert listed.exit_code == 0
    assert json.loads(listed.stdout) == []
    assert "(nouvelle, vide)" in listed.stderr
    other = env_for(tmp_path / "other")
    demo = runner.invoke(app, ["demo", "--households", "0"], env=other)
    assert demo.exit_code == 0, demo.stderr
    assert "Base ouverte" not in demo.stderr
    full = runner.invoke(app, ["listes", "sites", "--json"], env=other)
    assert full.stderr == ""
    assert "Restaurant scolaire Mons Elementaire" in {
        row["site"] for row in json.loads(full.stdout)
    }
