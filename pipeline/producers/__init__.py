"""Producers put jobs in the store and messages on the queue.

    queue.py     JobQueue (what sends messages) and `submit_and_enqueue`, which all use
    backfill.py  bulk jobs over a bucket prefix or folder, resumable and deduplicated
    manifest.py  compare jobs in bulk from a CSV or JSONL manifest of pairs
    listener.py  bucket-upload notifications (SQS) -> jobs
    uploads.py   which job an uploaded object gets: library prefixes enrol or search

The HTTP API (`pipeline.api`) submits through the same `submit_and_enqueue`.
"""
