"""The results store (SQLAlchemy Core; SQLite embedded, PostgreSQL in production)."""

from pipeline.store.results import Claim, JobRecord, ResultStore, Submission, Summary

__all__ = ["Claim", "JobRecord", "ResultStore", "Submission", "Summary"]
