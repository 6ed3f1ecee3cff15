"""Celery workers (the pipeline issue): thin tasks that call `pipeline` and map its errors."""
