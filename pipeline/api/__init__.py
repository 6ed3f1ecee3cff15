"""The HTTP service (FastAPI): sync and async detect/compare, result polling, bucket events.

    app.py          the app factory (`create_api`)
    server.py       the ASGI factory over Celery, and uvicorn (`facepipe api`)
    gate.py         before every route: limits, signature, replay, rate; the error shield
    state.py        what the routes share, and the steps they have in common
    dependencies.py what a route declares it needs (state, caller, dialect)
    requests.py     the documented request bodies
    errors.py       every refusal in the documented error shape
    metrics.py      Prometheus metrics
    routes/         one module per resource: detect, compare, results, events, operations

Every route but the probes and `/metrics` needs a signed request (`pipeline.keys`) and counts
against the key's rate limit. A sync call submits its job to the `realtime` queue and waits
for the worker's job-finished notice (`pipeline.notices`) for at most `sync_timeout` (6 s);
then it answers 581 SyncTimeout with the taskId, which `/green/face/results` can poll.

HTTP status: a refused request (auth, throttling, malformed body, limits of the request
itself) gets its HTTP status; a processed request gets 200 and, as documented, the outcome
of each image in the body's `code` (e.g. 470 no face, 415 unsupported format, 280 pending).
"""

from pipeline.api.app import create_api

__all__ = ["create_api"]
