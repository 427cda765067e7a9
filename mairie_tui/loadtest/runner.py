"""Run a load test: prepare the database, start one process per desk, check, report."""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mairie_tui.db import make_engine
from mairie_tui.loadtest import invariants
from mairie_tui.loadtest.desk import run_desk
from mairie_tui.loadtest.report import Results
from mairie_tui.loadtest.scenario import Scenario, prepare

# Room for the slowest desk to start (spawn imports everything) and to finish its last call.
START_TIMEOUT = 120.0
STOP_GRACE = 60.0


@contextmanager
def target_url(url: str | None) -> Iterator[str]:
    """The given URL, or a scratch SQLite file in a temporary directory removed afterwards."""
    if url is not None:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="mairie-charge-"))
    try:
        yield f"sqlite:///{folder / 'charge.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_charge(
    url: str,
    *,
    desks: int,
    seconds: float,
    households: int,
    seed: int,
    console: Console,
    show_progress: bool = True,
) -> Results:
    """The whole run against `url` (already normalised); raises PreparationRefused."""
    engine = make_engine(url)
    try:
        with console.status("Préparation de la base (schéma, démonstration, guichets)…"):
            scenario = prepare(engine, url, desks=desks, households=households, seed=seed)
            base = invariants.baseline(engine)
        results = Results(desks, seconds, engine.dialect.name, households)
        _run_desks(scenario, seconds, results, console, show_progress)
        results.checks = invariants.check_all(engine, base, results.ok, results.extra)
    finally:
        engine.dispose()
    return results


def _run_desks(
    scenario: Scenario, seconds: float, results: Results, console: Console, show_progress: bool
) -> None:
    context = _context()
    messages = context.Queue()
    go = context.Event()
    processes = [
        context.Process(target=run_desk, args=(scenario, i, seconds, messages, go), daemon=True)
        for i in range(len(scenario.desks))
    ]
    for process in processes:
        process.start()
    ready: set[int] = set()
    done: set[int] = set()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[ops]} opérations · {task.fields[errors]} erreur(s) inattendue(s)"),
    )
    with Progress(*columns, console=console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("Démarrage des guichets", total=seconds, ops=0, errors=0)
        limit = time.monotonic() + START_TIMEOUT
        while len(ready) < len(processes) and time.monotonic() < limit:
            _drain(messages, results, ready, done, 0.2)
        go.set()
        started = time.monotonic()
        progress.update(task, description=f"{len(processes)} guichets au travail")
        limit = started + seconds + STOP_GRACE
        while len(done) < len(processes) and time.monotonic() < limit:
            _drain(messages, results, ready, done, 0.2)
            progress.update(
                task,
                completed=min(seconds, time.monotonic() - started),
                ops=results.operations,
                errors=results.unexpected_errors,
            )
        results.elapsed = time.monotonic() - started
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
    missing = len(processes) - len(done)
    if missing:
        results.extra["poste arrêté"] += missing


def _context():  # type: ignore[no-untyped-def]
    """Fresh processes (never a fork of this one and its engine): forkserver where it exists,
    importing the services once in the server instead of once per desk; spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mairie_tui.loadtest.desk"])
        return context
    return multiprocessing.get_context("spawn")


def _drain(messages, results: Results, ready: set[int], done: set[int], wait: float) -> None:  # type: ignore[no-untyped-def]
    """Handle every queued message, waiting at most `wait` seconds for the first one."""
    timeout: float | None = wait
    while True:
        try:
            kind, index, payload = (
                messages.get(timeout=timeout) if timeout else messages.get_nowait()
            )
        except queue_module.Empty:
            return
        timeout = None
        if kind == "samples":
            results.add_samples(payload)
        elif kind == "ready":
            ready.add(index)
        elif kind == "done":
            results.add_summary(payload)
            done.add(index)
