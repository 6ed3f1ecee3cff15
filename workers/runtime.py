"""What each worker process builds once: settings, the store, the fetchers, the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from pipeline.settings import Settings
from pipeline.sources import Sources
from pipeline.store import ResultStore
from pipeline.vision.models import load_models


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: ResultStore
    sources: Sources


@cache
def runtime() -> Runtime:
    """This process's runtime; built after the fork so no connection crosses processes."""
    settings = Settings()
    # A claim outlives the hard time limit, so only a dead worker's job can be taken over.
    lease = timedelta(seconds=settings.worker.time_limit + 30)
    store = ResultStore(settings.store_url, lease=lease)
    load_models()
    return Runtime(settings=settings, store=store, sources=Sources(settings))
