"""The results store (SQLAlchemy Core; SQLite embedded, PostgreSQL in production)."""

from pipeline.store.api_keys import ApiKeyRecord, ApiKeys
from pipeline.store.deliveries import Deliveries, Delivery
from pipeline.store.records import (
    TERMINAL,
    Claim,
    Finish,
    JobRecord,
    Submission,
    Summary,
)
from pipeline.store.results import ResultStore

__all__ = [
    "TERMINAL",
    "ApiKeyRecord",
    "ApiKeys",
    "Claim",
    "Deliveries",
    "Delivery",
    "Finish",
    "JobRecord",
    "ResultStore",
    "Submission",
    "Summary",
]
