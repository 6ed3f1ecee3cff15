"""The per-job memory ceiling of a worker process.

A prefork pool process runs one job at a time, so a cap on the process's data segment over
what it holds when warm (models loaded) is a cap on what one job can allocate. Past it an
allocation fails with `MemoryError`, which the task stores as 507 MemoryLimitExceeded; the
process stays healthy, and Celery's `max_memory_per_child` recycles it if it grew anyway.
"""

from __future__ import annotations

import logging
import resource
from pathlib import Path

logger = logging.getLogger(__name__)


def cap_job_memory(budget_mb: int) -> int:
    """Limit this process's data segment to its current size plus `budget_mb`; returns
    the limit in bytes (RLIMIT_DATA counts private writable mappings, heap and mmap alike)."""
    limit = _data_segment_bytes() + budget_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    logger.info("memory per job capped at %d MB over the warm process", budget_mb)
    return limit


def _data_segment_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmData:")[1].split()[0]) * 1024  # kB
