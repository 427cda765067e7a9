"""Pure rules: no database, no user interface."""
