"""Writing an HTML report: total time against the store query plus thumbnailing it needs.

    python -m bench.report [--images 1000]

A SQLite store in a temporary folder holds `--images` finished detect jobs over copies of
scikit-image's sample photos (each analysed once by `pipeline.detect`, so boxes are real).
`pipeline.report.write_report` renders them; the report is usable when writing it costs at
most 2x the store query plus thumbnailing (`ratio`). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import skimage.data

from pipeline.analysis import detect
from pipeline.jobs import JobOutcome, JobSpec
from pipeline.report import write_report
from pipeline.settings import Settings
from pipeline.sources import ImageRef, Sources
from pipeline.store import ResultStore

SAMPLES = ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {}
        for name in SAMPLES:
            source = Path(skimage.data.__file__).parent / name
            results[name] = detect(source.read_bytes()).to_json()
        store = ResultStore.open(f"sqlite:///{folder / 'store.db'}")
        specs, names = [], []
        for index in range(args.images):
            name = SAMPLES[index % len(SAMPLES)]
            copy = folder / f"{index:06d}-{name}"
            shutil.copy(Path(skimage.data.__file__).parent / name, copy)
            specs.append(JobSpec("detect", ImageRef(str(copy))))
            names.append(name)
        for submission, name in zip(store.submit(specs, queue="bulk"), names, strict=True):
            result = results[name]
            faces = result.get("faces") or []
            store.claim(submission.task_id, "bench")
            outcome = JobOutcome(result, len(faces), sum(f["qualified"] for f in faces))
            store.complete(submission.task_id, "bench", outcome)
        output = folder / "report.html"
        stats = write_report(store.find(), Sources(Settings()), output, title="bench")
        needed = stats.query_seconds + stats.thumbnail_seconds
        report = {
            "images": stats.images,
            "faces": stats.faces,
            "query_s": round(stats.query_seconds, 2),
            "thumbnails_s": round(stats.thumbnail_seconds, 2),
            "total_s": round(stats.total_seconds, 2),
            "ratio": round(stats.total_seconds / needed, 3),
            "target_ratio": 2.0,
            "html_mb": round(output.stat().st_size / 2**20, 1),
        }
        store.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
