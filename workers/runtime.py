"""What each worker process builds once: settings, the store, the fetchers, the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import httpx
import redis

from pipeline.broker import broker_url, redis_py_url
from pipeline.keys import KeyRing
from pipeline.library.backends import open_index
from pipeline.library.store import Library
from pipeline.settings import Settings
from pipeline.sources import Sources
from pipeline.sources.shelf import Shelf
from pipeline.store import ResultStore
from pipeline.vision import dlib_models


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: ResultStore
    sources: Sources
    # Job-finished notices for sync API calls waiting on the realtime queue.
    notices: redis.Redis
    # Webhook sending; trust_env=False: an environment proxy would bypass the SSRF guard.
    http: httpx.Client
    # Webhook signatures need the API's master key; without one, only the checksum is sent.
    keyring: KeyRing | None
    # Downloads of user URLs, parked by the fetch stage for the analysis.
    shelf: Shelf
    # The face library of enrol and search jobs, with this process's search index.
    library: Library


@cache
def runtime() -> Runtime:
    """This process's runtime; built after the fork so no connection crosses processes."""
    settings = Settings()
    # A claim outlives the hard time limit, so only a dead worker's job can be taken over.
    lease = timedelta(seconds=settings.worker.time_limit + 30)
    store = ResultStore(settings.store_url, lease=lease)
    dlib_models.load()
    master = settings.api.master_key
    # One client for the broker's Redis: notices and parked downloads share its pool.
    broker = redis.Redis.from_url(redis_py_url(broker_url(settings)))
    return Runtime(
        settings=settings,
        store=store,
        sources=Sources(settings),
        notices=broker,
        http=httpx.Client(follow_redirects=False, trust_env=False),
        keyring=KeyRing(store.api_keys, master.get_secret_value()) if master else None,
        shelf=Shelf(broker, ttl=settings.api.inline_ttl),
        library=Library(store.engine, settings.library, open_index(store.engine, settings.library)),
    )
