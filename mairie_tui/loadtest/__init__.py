"""The load harness (`mairie-tui charge`): several counter desks at once, then invariants.

scenario.py prepares a database of its own (never a mairie's live data),
desk.py is one desk (a process) doing what counter agents do through the real
services, invariants.py checks the tables afterwards with plain SQL, report.py
aggregates and prints, runner.py ties them together.
"""
