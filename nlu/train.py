"""Train the NLU model only when `nlu/` changed: the model file is named by a hash of its inputs.

Runs with the Rasa environment's Python: `nlu/.rasa-venv/bin/python nlu/train.py`. Prints the model path.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

NLU = Path(__file__).resolve().parent
MODELS = NLU / "models"
INPUTS = ["config.yml", "domain.yml", "data"]


def content_hash() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = NLU / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(NLU)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    """The model file for the current content of `nlu/` (it exists once that content has been trained)."""
    return MODELS / f"nlu-{content_hash()}.tar.gz"


def main() -> int:
    model = model_path()
    if model.exists():
        print(model)
        return 0
    MODELS.mkdir(exist_ok=True)
    rasa = Path(sys.executable).parent / "rasa"
    command = [str(rasa), "train", "nlu", "--config", str(NLU / "config.yml"), "--domain", str(NLU / "domain.yml"),
               "--nlu", str(NLU / "data"), "--out", str(MODELS), "--fixed-model-name", model.name[:-len(".tar.gz")]]
    print("training the NLU model (nlu/ changed):", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, cwd=NLU)
    for old in MODELS.glob("nlu-*.tar.gz"):
        if old != model:
            old.unlink()  # only the model of the current data is kept
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
