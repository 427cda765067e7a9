"""The command line's help and usage errors, in French.

Typer (and the Click it vendors) writes "Usage:", "Options", "Show this message and exit."
and English error messages, with no translation catalogue. The root group is therefore a
`FrenchGroup`: it turns every command of the tree into a French one (help written here) and
prints usage errors as one French line plus where to find the help.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

import typer
from typer._click import exceptions as click_errors  # typer>=0.29 vendors Click (pinned)
from typer.core import TyperCommand, TyperGroup

HELP_TEXT = "Affiche cette aide."
USAGE = "Utilisation : "
_METAVARS = {int: "ENTIER", float: "NOMBRE", str: "TEXTE", Path: "CHEMIN", bool: ""}
# Positional arguments by their Python name, as the help, the usage line and the errors name them.
ARGUMENT_NAMES = {
    "text": "TEXTE",
    "file": "FICHIER",
    "path": "FICHIER",
    "number": "NUMÉRO",
    "login": "IDENTIFIANT",
    "dossier": "DOSSIER",
    "numero": "NUMÉRO",
    "fichier": "FICHIER",
    "recu": "NUMÉRO",
    "enfant": "ENFANT",
}


def _french_usage(command: Any, ctx: typer.Context) -> str:
    pieces = " ".join(command.collect_usage_pieces(ctx))
    pieces = pieces.replace("[OPTIONS]", "[PARAMÈTRES]")
    pieces = re.sub(r"\{([^{}]+)\}", r"\1", pieces)  # Typer writes a required argument {name}
    return pieces.replace("COMMAND [ARGS]...", "COMMANDE [ARGUMENTS]...")


def _annotation(param: Any) -> Any:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    while get_args(annotation):  # list[str], str | None …
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def _metavar(param: Any) -> str:
    if getattr(param, "metavar", None):
        return str(param.metavar)
    return _METAVARS.get(_annotation(param), "VALEUR")


def _param_rows(command: Any, ctx: typer.Context) -> tuple[list[tuple[str, str]], ...]:
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        text = HELP_TEXT if param is help_option else (getattr(param, "help", None) or "")
        if param.required:
            text = f"{text}  [obligatoire]".strip()
        if param.param_type_name == "argument":
            arguments.append((param.metavar or param.name.upper(), text))
            continue
        names = ", ".join(param.opts)
        metavar = _metavar(param)
        if metavar and not getattr(param, "is_flag", False):
            names += f" {metavar}"
        options.append((names, text))
    return arguments, options


def _subcommand_rows(group: Any, ctx: typer.Context) -> list[tuple[str, str]]:
    rows = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        rows.append((name, sub.get_short_help_str(limit=120)))
    return rows


def format_french_help(command: Any, ctx: typer.Context, formatter: Any) -> None:
    """The whole help page of a command or group, in French, as plain text."""
    formatter.write_usage(ctx.command_path, _french_usage(command, ctx), prefix=USAGE)
    if command.help:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(command.help.split("\f")[0].strip())
    arguments, options = _param_rows(command, ctx)
    for title, rows in (("Arguments", arguments), ("Paramètres", options)):
        if rows:
            with formatter.section(f"{title} "):
                formatter.write_dl(rows)
    if isinstance(command, TyperGroup):
        rows = _subcommand_rows(command, ctx)
        if rows:
            with formatter.section("Commandes "):
                formatter.write_dl(rows)


class FrenchCommand(TyperCommand):
    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        format_french_help(self, ctx, formatter)


# Click's English usage errors, as French sentences (the rest is said as Click said it).
_ERRORS: list[tuple[str, str]] = [
    (r"Missing option (.+)\.", "paramètre obligatoire manquant : {0}."),
    (r"Missing argument (.+)\.", "argument obligatoire manquant : {0}."),
    (r"Missing parameter: (.+)", "paramètre manquant : {0}."),
    (r"Missing command\.", "commande manquante."),
    (r"No such command '(.+)'\.", "commande inconnue : « {0} »."),
    (
        r"No such option: (\S+) Did you mean (.+)\?",
        "paramètre inconnu : {0} (voulez-vous dire {1} ?).",
    ),
    (
        r"No such option: (\S+) \(Possible options: (.+)\)",
        "paramètre inconnu : {0} (paramètres possibles : {1}).",
    ),
    (r"No such option: (\S+)", "paramètre inconnu : {0}."),
    (r"Option '(.+)' requires an argument\.", "le paramètre {0} attend une valeur."),
    (r"Option '(.+)' does not take a value\.", "le paramètre {0} ne prend pas de valeur."),
    (r"Option '(.+)' requires (\d+) arguments\.", "le paramètre {0} attend {1} valeurs."),
    (r"Argument '(.+)' takes (\d+) values\.", "l'argument {0} attend {1} valeurs."),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", "argument(s) en trop : {0}."),
    (r"Could not open file '(.+)': (.+)", "impossible d'ouvrir le fichier « {0} » : {1}"),
    (r"Value must be an iterable\.", "plusieurs valeurs sont attendues."),
    (r"Invalid value for '(.+)': (.+)", "valeur invalide pour {0} : {1}"),
    (r"Invalid value: (.+)", "valeur invalide : {0}"),
    (r"'(.*)' is not a valid integer( range)?\.", "« {0} » n'est pas un nombre entier."),
    (r"Input should be a valid integer.*", "un nombre entier est attendu."),
    (r"Input should be a valid number.*", "un nombre est attendu."),
    (r"Input should be greater than or equal to (\S+?)\.?", "la valeur doit être au moins {0}."),
    (r"Input should be less than or equal to (\S+?)\.?", "la valeur doit être au plus {0}."),
    (r"Value '(.*)' is not a valid (.+)\.", "« {0} » n'est pas valide ({1})."),
    (r"'(.*)' is not a valid float( range)?\.", "« {0} » n'est pas un nombre."),
    (r"(.+) is not in the range (.+)\.", "{0} n'est pas dans l'intervalle {1}."),
    (r"'(.*)' is not one of (.+)\.", "« {0} » n'est pas parmi {1}."),
]


def _unquoted(names: str) -> str:
    """`'--foyer' / '--household'` (Click's way of naming a parameter) → `--foyer / --household`."""
    if re.fullmatch(r"'[^']*'( / '[^']*')*", names):
        return names.replace("'", "")
    return names


def french_error(message: str) -> str:
    """Click's message in French (nested: « Invalid value for X: 'a' is not … »)."""
    for pattern, french in _ERRORS:
        match = re.fullmatch(pattern, message.strip(), flags=re.DOTALL)
        if match:
            return french.format(*(french_error(_unquoted(g)) if g else "" for g in match.groups()))
    return message


def _show_usage_error(exc: Any) -> None:
    ctx = exc.ctx
    if isinstance(exc, click_errors.NoArgsIsHelpError) and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        return
    message = french_error(exc.format_message())
    if isinstance(exc, click_errors.UsageError) and ctx is not None:
        message += f"\nAide : {ctx.command_path} --help"
    sys.stderr.write(f"Erreur : {message}\n")


Result = TypeVar("Result")


def _french_main(run: Callable[..., Result], standalone_mode: bool, **kwargs: Any) -> Any:
    try:
        result = run(standalone_mode=False, **kwargs)
    except click_errors.ClickException as exc:
        if not standalone_mode:
            raise
        _show_usage_error(exc)
        sys.exit(0 if isinstance(exc, click_errors.NoArgsIsHelpError) else exc.exit_code)
    except typer.Abort:
        if not standalone_mode:
            raise
        sys.stderr.write("Abandon.\n")
        sys.exit(1)
    if not standalone_mode:
        return result
    # Without standalone mode Click returns the code of a typer.Exit, else the command's value.
    sys.exit(result if isinstance(result, int) else 0)


class FrenchGroup(TyperGroup):
    """The root group: French help on every command of the tree, French usage errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _frenchify(self)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        format_french_help(self, ctx, formatter)

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, *, standalone_mode: bool = True, **kwargs: Any
    ) -> Any:
        return _french_main(super().main, standalone_mode, args=args, **kwargs)


def _frenchify(group: TyperGroup) -> None:
    """Every command below becomes a FrenchCommand / FrenchGroup (same class plus help).

    Positional arguments get their French name (ARGUMENT_NAMES), which the usage line,
    the help and the « argument obligatoire manquant » error all use.
    """
    for command in group.commands.values():
        for param in command.params:
            if param.param_type_name == "argument" and param.metavar is None:
                param.metavar = ARGUMENT_NAMES.get(param.name or "", param.metavar)
        if type(command) is TyperCommand:
            command.__class__ = FrenchCommand
        elif type(command) is TyperGroup:
            command.__class__ = FrenchGroup
            _frenchify(command)
