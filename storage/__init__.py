"""Persistence: typed SQLAlchemy 2 models, Alembic migrations, repositories, the outbox."""
