"""Fit the smile model on GENKI-4K: `python -m calibrate.smile`.

GENKI's 64 px crops are upscaled 3x and padded before detection, as `bench/accuracy.py`
does. Faces the detector finds are used; each crop's smile label comes from its labels.json.
Prints 5-fold cross-validated accuracy and the reliability table, then writes
`vision/data/smile.json`. Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import json

import numpy as np

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, genki_face
from calibrate.reliability import fit_and_report, shipped_json
from pipeline.vision.smile import MODEL_FILE, smile_features

OUTPUT = SHIPPED / MODEL_FILE
REGULARISATION = 0.05  # sklearn C
CLASSES = ["no_smile", "smile"]


def main() -> None:
    root = fixtures_dir() / "genki4k"
    labels = json.loads((root / "labels.json").read_text())
    rows, targets = [], []
    for name, label in sorted(labels.items()):
        face = genki_face(root / name)
        if face is not None:
            rows.append(smile_features(*face))
            targets.append(int(label["smile"]))
    about = {"data": "GENKI-4K", "crops": len(labels), "faces_found": len(rows)}
    model, report = fit_and_report(
        np.array(rows), np.array(targets), CLASSES, REGULARISATION, about
    )
    OUTPUT.write_text(shipped_json(model, CLASSES, report))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
