"""Aggregate the desks' samples and print the French report (rich tables or JSON)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mairie_tui.loadtest.desk import OK, REFUSED, UNEXPECTED, VALIDATIONS
from mairie_tui.loadtest.invariants import Check

PRINTED_TRACEBACKS = 3
TRACEBACK_TAIL = 8


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of unsorted values (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Results:
    desks: int
    seconds: float
    backend: str
    households: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    refusals: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    elapsed: float = 0.0

    def add_samples(self, samples: list[tuple[str, str, str, float]]) -> None:
        for op, outcome, kind, ms in samples:
            self.latencies[op].append(ms)
            self.outcomes[op][outcome] += 1
            if outcome == REFUSED:
                self.refusals[kind] += 1
            elif outcome == UNEXPECTED:
                self.unexpected[f"{op} : {kind}"] += 1

    def add_summary(self, summary: dict[str, Any]) -> None:
        self.ok.update(summary["ok"])
        self.extra.update(summary["extra"])
        self.tracebacks += summary["tracebacks"]

    @property
    def operations(self) -> int:
        return sum(sum(counter.values()) for counter in self.outcomes.values())

    @property
    def unexpected_errors(self) -> int:
        return sum(self.unexpected.values()) + self.extra.get("poste arrêté", 0)

    @property
    def violations(self) -> int:
        return sum(1 for check in self.checks if not check.ok)

    @property
    def retries(self) -> int:
        """Lost races the services re-ran by themselves, plus the desks' reloads after a
        conflict (a BusyError, after the services' own retries, is counted as a refusal)."""
        return self.extra.get("nouveaux essais des services", 0) + self.extra.get(
            "reprises après conflit", 0
        )

    @property
    def passed(self) -> bool:
        return self.violations == 0 and self.unexpected_errors == 0

    def op_rows(self) -> list[dict[str, Any]]:
        rows = []
        duration = self.elapsed or self.seconds
        for op in sorted(self.latencies, key=lambda name: -len(self.latencies[name])):
            values, outcomes = self.latencies[op], self.outcomes[op]
            rows.append(
                {
                    "operation": op,
                    "count": len(values),
                    "ok": outcomes[OK],
                    "refused": outcomes[REFUSED],
                    "unexpected": outcomes[UNEXPECTED],
                    "per_second": len(values) / duration if duration else 0.0,
                    "p50_ms": percentile(values, 50),
                    "p95_ms": percentile(values, 95),
                    "p99_ms": percentile(values, 99),
                }
            )
        return rows

    def validation_p95(self) -> float:
        return percentile([ms for op in VALIDATIONS for ms in self.latencies.get(op, [])], 95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "desks": self.desks,
            "seconds": self.seconds,
            "elapsed": round(self.elapsed, 2),
            "backend": self.backend,
            "households": self.households,
            "operations": self.operations,
            "per_second": self.operations / self.elapsed if self.elapsed else 0.0,
            "validation_p95_ms": self.validation_p95(),
            "by_operation": self.op_rows(),
            "refusals": dict(self.refusals.most_common()),
            "conflict_messages": sum(self.refusals.values()),
            "retries": self.retries,
            "counters": dict(self.extra),
            "unexpected_errors": self.unexpected_errors,
            "unexpected_by_kind": dict(self.unexpected),
            "tracebacks": self.tracebacks,
            "invariants": [
                {
                    "name": c.name,
                    "expected": c.expected,
                    "found": c.found,
                    "ok": c.ok,
                    "examples": list(c.examples),
                }
                for c in self.checks
            ],
            "violations": self.violations,
            "passed": self.passed,
        }


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def print_report(results: Results, console: Console) -> None:
    # Styles are given as Text spans: the CLI's consoles never parse markup.
    console.print(
        Text.assemble(
            ("Test de charge", "bold"),
            f" : {results.desks} guichet(s) pendant {results.elapsed:.1f} s sur "
            f"{results.backend} ({results.households} foyers de démonstration) — "
            f"{results.operations} opérations, "
            f"{results.operations / max(results.elapsed, 1e-9):.1f} op/s",
        ),
        highlight=False,
    )
    table = Table(
        "Opération",
        "Nombre",
        "Réussies",
        "Refusées",
        "Inattendues",
        "op/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        title="Débit et latences",
    )
    for row in results.op_rows():
        table.add_row(
            row["operation"],
            str(row["count"]),
            str(row["ok"]),
            str(row["refused"]),
            str(row["unexpected"]),
            f"{row['per_second']:.1f}",
            _ms(row["p50_ms"]),
            _ms(row["p95_ms"]),
            _ms(row["p99_ms"]),
        )
    console.print(table)
    refusals = Table(
        "Refus (classe : message)",
        "Nombre",
        title="Messages de refus en français et compteurs des guichets",
    )
    for kind, count in results.refusals.most_common():
        refusals.add_row(kind, str(count))
    for kind, count in sorted(results.extra.items()):
        refusals.add_row(Text(kind, style="dim"), str(count))
    console.print(refusals)
    checks = Table(
        "Invariant", "Attendu", "Trouvé", "État", title="Invariants (lus dans les tables)"
    )
    for check in results.checks:
        state = Text("tenu", style="green") if check.ok else Text("VIOLÉ", style="bold red")
        name = Text(check.name)
        for example in check.examples:
            name.append(f"\n  {example}", style="dim")
        checks.add_row(name, str(check.expected), str(check.found), state)
    console.print(checks)
    for trace in results.tracebacks[:PRINTED_TRACEBACKS]:
        lines = trace.splitlines()
        console.print(Text.assemble(("Erreur inattendue", "bold red"), f" {lines[0]}"))
        console.print("\n".join(lines[-TRACEBACK_TAIL:]), highlight=False, markup=False)
    if len(results.tracebacks) > PRINTED_TRACEBACKS:
        console.print(
            f"… et {len(results.tracebacks) - PRINTED_TRACEBACKS} autre(s) trace(s) (--json les donne toutes)."
        )
    verdict = ("aucune", "green") if results.passed else ("ÉCHEC", "bold red")
    console.print(
        Text.assemble(
            f"Messages de refus : {sum(results.refusals.values())} · reprises : {results.retries} · "
            f"erreurs inattendues : {results.unexpected_errors} · "
            f"invariants violés : {results.violations} · "
            f"p95 d'une validation : {_ms(results.validation_p95())} ms — anomalie : ",
            verdict,
        ),
        highlight=False,
    )
