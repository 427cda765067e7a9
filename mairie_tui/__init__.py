"""mairie-tui : le guichet unique Mairie Prim' au terminal."""

__version__ = "0.1.0"
