"""The command-line examples of README.md work on the demo database (issue 13).

Every `mairie-tui …` of the README names French commands and options that exist; the
examples without a placeholder run, in the README's order, on a fresh demo as `make run`
builds it (signed in as a demo agent, whose password is their login). The `--site`
examples of the help pages name one site of the demo.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, read_session
from mairie_tui.services.demo import build_demo
from mairie_tui.services.lists.lookup import resolve_site

README = Path(__file__).resolve().parents[2] / "README.md"
ROOT = typer.main.get_command(app)
GLOBAL_OPTIONS = {"--db", "--now", "--data-dir", "--agent"}
DEMO_AGENTS = {"guichet", "superviseur", "cantine"}
# Placeholders of the command table: « FICHIER », « … », « a|b », « [--json] ».
PLACEHOLDER = re.compile(r"…|\||\[|^[A-Z][A-Z/.-]*$|^JJ/|^--?$")
runner = CliRunner()


def readme_examples() -> list[str]:
    """Each `mairie-tui …` of the README (inline code and shell blocks), as written."""
    text = README.read_text(encoding="utf-8")
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        found += [line for line in block.splitlines() if "mairie-tui " in line]
    for span in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL)):
        if re.search(r"(^|[ /])mairie-tui [a-z-]", span):
            found.append(span.replace("\\|", "|"))  # a table cell escapes its bars
    return found


def arguments(example: str) -> tuple[list[str], str]:
    """The arguments after the program, and the agent named by --agent ('' if none)."""
    words = shlex.split(example.split(" # ")[0].split("&&")[0], comments=True)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        words.pop(0)  # MAIRIE_DATA_DIR=.demo …
    assert words and words[0].endswith("mairie-tui"), example
    args = words[1:]
    agent = args[args.index("--agent") + 1] if "--agent" in args else ""
    return args, agent


def command_of(args: list[str]) -> tuple[object, list[str]]:
    """The command reached by the words, and the words left for it."""
    command, rest = ROOT, list(args)
    while rest and rest[0] in GLOBAL_OPTIONS:
        rest = rest[2:]
    while rest and hasattr(command, "commands"):
        names = rest[0].split("|")  # « listes sites|jour|imprimer … »
        if not all(name in command.commands for name in names):
            break
        rest.pop(0)
        for name in names:
            assert not command.commands[name].hidden, f"{args}: English alias for {name}"
        if len(names) > 1:
            return command.commands[names[0]], []
        command = command.commands[names[0]]
    return command, rest


EXAMPLES = readme_examples()


def test_the_readme_has_examples():
    assert len(EXAMPLES) > 30
    assert any("recherche" in example for example in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_readme_example_names_french_commands_and_real_options(example):
    args, agent = arguments(example)
    command, rest = command_of(args)
    if args and args[0] != "--help":
        assert command is not ROOT, example
    assert not hasattr(command, "commands") or not rest, f"{example}: no such command"
    known = {opt for param in command.params for opt in param.opts}
    for word in rest:
        if word.startswith("--") and not PLACEHOLDER.search(word):
            assert word.split("=")[0] in known, f"{example}: {word}"
    assert agent in DEMO_AGENTS | {""}, f"{example}: the demo has no agent « {agent} »"


def runnable(example: str) -> bool:
    args, _ = arguments(example)
    return (
        not any(PLACEHOLDER.search(word) for word in args)
        and "/srv/" not in example
        and "postgresql://" not in example
        and args[:1] != ["charge"]  # a load test of its own (tests/services/test_loadtest)
    )


def test_the_runnable_examples_work_on_the_demo(tmp_path, monkeypatch):
    """On a demo as `make run` builds it, in the README's order (export before import)."""
    data_dir = tmp_path / ".demo"
    data_dir.mkdir()
    engine = make_engine(f"sqlite:///{data_dir / 'mairie.db'}")
    try:
        from mairie_tui.db import upgrade

        upgrade(engine)
        build_demo(engine, households=30)
    finally:
        engine.dispose()
    monkeypatch.chdir(tmp_path)
    examples = [example for example in EXAMPLES if runnable(example)]
    # The import examples read what the export example writes.
    examples.sort(key=lambda example: "importer foyers" in example)
    ran = []
    for example in examples:
        args, agent = arguments(example)
        env = {
            "MAIRIE_DATA_DIR": str(data_dir),
            "MAIRIE_DB_URL": "",
            "MAIRIE_NOW": "",
            "MAIRIE_AGENT": "",
            "MAIRIE_PASSWORD": agent,
        }
        if "foyers.xlsx" in args and not Path("foyers.xlsx").exists():
            done = runner.invoke(
                app,
                ["--agent", "superviseur", "exporter", "foyers", "--format", "xlsx"]
                + ["--out", "foyers.xlsx"],
                env={**env, "MAIRIE_PASSWORD": "superviseur"},
            )
            assert done.exit_code == 0, done.stderr
        result = runner.invoke(app, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, (example, result.stderr)
        assert "Base ouverte" not in result.stderr, (example, result.stderr)
        ran.append(args)
    assert any("recherche" in args for args in ran)
    assert any("effectifs" in args and "--site" in args for args in ran)
    assert len(ran) >= 8, ran


def test_the_site_examples_of_the_help_name_one_demo_site(engine):
    build_demo(engine, households=0)
    examples = set()
    for _path, command in _tree(ROOT):
        for param in command.params:
            if "--site" in param.opts:
                examples.update(re.findall(r"« ([^»]+) »", param.help or ""))
    assert examples
    with read_session(engine) as session:
        for example in examples:
            assert resolve_site(session, example) == "Restaurant scolaire Mons Elementaire"


def _tree(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _tree(sub, (*path, name))
