"""Every help page and usage error of the command line is French (issue 13).

The tree of commands is walked (French names and the hidden English aliases): a new command
or argument that lets Click's English through fails here.
"""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from mairie_tui.cli import app

runner = CliRunner()

# What Click and Typer write in English when nothing translates it.
ENGLISH_HELP = (
    "Usage:",
    "Options",
    "Show this message",
    "Commands",
    "[required]",
    "[default:",
    "Arguments:",
    "env var",
)
ENGLISH_ERRORS = (
    "Error",
    "Usage",
    "Missing",
    "No such",
    "Possible options",
    "Got unexpected",
    "Invalid value",
    "Input should",
    "requires",
    "does not take",
    "is not",
    "Try '",
    "Aborted",
    "' / '",
)
# Positional arguments as the help, the usage line and the errors name them.
FRENCH_ARGUMENTS = {"TEXTE", "FICHIER", "NUMÉRO", "IDENTIFIANT", "DOSSIER", "ENFANT"}


def _tree(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _tree(sub, (*path, name))


COMMANDS = list(_tree(typer.main.get_command(app)))


def test_the_tree_is_walked():
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "recherche", "search", "base restaurer", "hors-ligne exporter"} <= paths
    assert len(paths) > 60


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_help_page_is_french(path):
    result = runner.invoke(app, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    page = result.stdout
    assert page.startswith(f"Utilisation : {' '.join(('mairie-tui', *path))} [PARAMÈTRES]")
    assert "Affiche cette aide." in page
    for english in ENGLISH_HELP:
        assert english not in page, english
    usage = page.split("\n\n")[0]
    assert "{" not in usage and "ARGS" not in usage and "COMMAND " not in usage, usage


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_parameter_is_explained_and_arguments_have_french_names(path, command):
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        assert getattr(param, "help", None), (path, param.name)
        if param.param_type_name == "argument":
            assert param.metavar in FRENCH_ARGUMENTS, (path, param.name, param.metavar)
            page = runner.invoke(app, [*path, "--help"]).stdout
            assert f"  {param.metavar}  " in page


@pytest.mark.parametrize(
    "args, expected",
    [
        (["nope"], "commande inconnue : « nope »."),
        (["recherche"], "argument obligatoire manquant : TEXTE."),
        (["agents", "ajouter"], "argument obligatoire manquant : IDENTIFIANT."),
        (["demandes", "voir"], "argument obligatoire manquant : NUMÉRO."),
        (["base", "restaurer"], "argument obligatoire manquant : FICHIER."),
        (["base", "sauvegarder"], "paramètre obligatoire manquant : --out."),
        (["audit"], "paramètre obligatoire manquant : --foyer / --household."),
        (["recherche", "x", "--bogus"], "paramètre inconnu : --bogus."),
        (
            ["recherche", "x", "--jsn"],
            "paramètre inconnu : --jsn (paramètres possibles : --json).",
        ),
        (["recherche", "x", "y", "z"], "argument(s) en trop : y z."),
        (["recherche", "x", "--limit"], "le paramètre --limit attend une valeur."),
        (["recherche", "x", "--json=oui"], "le paramètre --json ne prend pas de valeur."),
        (
            ["recherche", "x", "--limit", "zéro"],
            "valeur invalide pour --limit : un nombre entier est attendu.",
        ),
        (
            ["recherche", "x", "--limit", "0"],
            "valeur invalide pour --limit : la valeur doit être au moins 1.",
        ),
        (
            ["recherche", "x", "--limit", "501"],
            "valeur invalide pour --limit : la valeur doit être au plus 500.",
        ),
        (
            ["charge", "--seconds", "vite"],
            "valeur invalide pour --seconds : un nombre est attendu.",
        ),
        (["base", "migrer", "encore"], "argument(s) en trop : encore."),
    ],
)
def test_usage_errors_are_french(args, expected):
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == f"Erreur : {expected}"
    for english in ENGLISH_ERRORS:
        assert english not in result.stderr, english
