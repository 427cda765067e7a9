"""Alembic environment: the engine comes from mairie_tui.db (config attribute)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import mairie_tui.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # A migration may rebuild an index on a big table: not the desks' 30 s limit.
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            context.run_migrations()
        connection.commit()


run_migrations_online()
