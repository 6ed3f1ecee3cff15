"""The results store (SQLAlchemy Core; SQLite embedded, PostgreSQL in production)."""

from pipeline.store.results import TERMINAL, Claim, JobRecord, ResultStore, Submission, Summary

__all__ = ["TERMINAL", "Claim", "JobRecord", "ResultStore", "Submission", "Summary"]
