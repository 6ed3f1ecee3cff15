"""Age and gender on labelled faces: the UTKFace chips of `ages/`.

    python -m bench.age          (also key `age` of `python -m bench.accuracy`)

Each chip is padded before detection; faces the engine finds are scored. `network`: the
network's own expected age; `calibrated`: the shipped calibration's way (`calibrate.age`),
each face's age and sd from a calibration fitted without it (5 folds by file). Per
measure: MAE over all ages and over 18-70, the share within 5 years (CS5), MAE and bias
(mean signed error) per decade, and for the calibrated ages how often the true age is
within value ± sd. Gender: accuracy on faces aged 13 and over. Prints JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from calibrate.age import age_report, cross_validated, labelled_faces
from calibrate.fixtures import fixtures_dir

ADULT_GENDER_AGE = 13


def age(root: Path) -> dict[str, Any]:
    found, files = labelled_faces(root / "ages")
    value, sd = cross_validated(found)
    adults = found.age >= ADULT_GENDER_AGE
    gender_right = (found.network_male > 0.5) == found.male
    return {
        "files": files,
        "faces_found": len(found.age),
        "network": age_report(found.expected, found.age),
        "calibrated": age_report(value, found.age, sd),
        "gender_accuracy_13_plus": round(float(gender_right[adults].mean()), 4),
        "gender_faces_13_plus": int(adults.sum()),
    }


def main() -> None:
    print(json.dumps(age(fixtures_dir()), indent=2))


if __name__ == "__main__":
    main()
