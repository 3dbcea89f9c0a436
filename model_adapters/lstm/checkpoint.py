"""Resumable training state in ONE safetensors file: weights, optimizer moments, RNG state, and JSON metadata.

One file written atomically means a kill leaves either the previous epoch's checkpoint or the new one,
never a mix. No pickle: optimizer tensors are flattened to named tensors, everything else is JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as dump_safetensors

from model_adapters.errors import ModelError
from model_adapters.files import write_bytes

CHECKPOINT_FILE = "training_checkpoint.safetensors"


def save_checkpoint(path: Path, network: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in network.state_dict().items()}
    optim = optimizer.state_dict()
    scalars: dict[str, dict] = {}
    for index, param_state in optim["state"].items():
        for key, value in param_state.items():
            if torch.is_tensor(value):
                tensors[f"optim.{index}.{key}"] = value.detach().contiguous()
            else:
                scalars.setdefault(str(index), {})[key] = value
    tensors["rng.torch"] = torch.get_rng_state()
    metadata = {
        "state": json.dumps(state),
        "param_groups": json.dumps(optim["param_groups"]),
        "optim_scalars": json.dumps(scalars),
    }
    write_bytes(path, dump_safetensors(tensors, metadata=metadata))


def read_checkpoint_state(path: Path) -> tuple[dict, dict[str, torch.Tensor], dict]:
    """(state, tensors, metadata) of a checkpoint; a damaged file is a ModelError naming it."""
    try:
        raw = path.read_bytes()
        tensors = load_safetensors(raw)
        from safetensors import safe_open  # metadata is only exposed through safe_open

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        return json.loads(metadata["state"]), tensors, metadata
    except (SafetensorError, OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable training checkpoint ({exc}); delete it to train from scratch") from exc


def restore_checkpoint(tensors: dict, metadata: dict, network: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
    network.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    for index, values in json.loads(metadata["optim_scalars"]).items():
        state.setdefault(int(index), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": json.loads(metadata["param_groups"])})
    torch.set_rng_state(tensors["rng.torch"])
