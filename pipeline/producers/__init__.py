"""Producers put jobs in the store and messages on the queue: backfill, bucket-event
listeners, and (later) the HTTP API."""
