"""Trained on arrival: a model's weights as plain tensors, saved by the CLI, loaded safely, refused when they do not fit.

A lecture demo should not open on ten seconds of noise. For the heavy demos (GAN, VAE, score, diffusion,
flow, text, CNN) ``assets/checkpoints/MODEL.pt`` holds a model trained by the CLI on the page's default
data and settings (``python assets/checkpoints/make.py`` remakes them all, reproducibly). A page can
start from it and train on, or start from scratch.

A checkpoint is one ``torch.save`` of plain data: ``{"format", "model", "config" (JSON), "steps",
"tensors": {name: tensor}}``. It is read with ``torch.load(..., weights_only=True)``, which unpickles
nothing but tensors and plain containers, so a file cannot run code. The tensors are every network of
the trainer: each ``nn.Module`` attribute (``G.0.weight``), each module of a dict attribute
(``models.cnn.head.bias``) and each weight average (``ema.model.net.0.weight``); optimiser state is
not kept (training on starts Adam afresh). A checkpoint is refused, with a one-line reason, when

- it is not a GenLab checkpoint of this model, or of another format version;
- it was trained on other data or with settings that shape the model differently (every config field
  but those in ``MAY_DIFFER``, which only steer training or drawing);
- its tensors' names or shapes differ from the model the current code builds (the code changed).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from core.errors import GenLabError
from core.nets import EMA

FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent / "assets" / "checkpoints"
# config fields that steer training or drawing but not what the trained weights mean
MAY_DIFFER = frozenset({
    "seed", "eval_every", "lr", "lr_g", "lr_d", "batch_size", "d_steps", "ema", "decay_steps", "warmup",
    "sample_steps", "solver", "sampler", "n_samples", "temperature", "top_k", "view_t", "langevin_steps",
    "step_size", "grad_clip", "weight_decay", "quality_every", "steps_per_level", "denoise",
})


class CheckpointError(GenLabError):
    """A checkpoint that cannot be used: the reason is one line a student can read."""


def path_for(model: str) -> Path:
    return ROOT / f"{model}.pt"


def available(model: str) -> bool:
    return path_for(model).is_file()


# --------------------------------------------------------------------------- the trainer's networks


def networks(trainer: Any) -> dict[str, nn.Module]:
    """Every network of a trainer by attribute name: modules, dicts of modules, weight averages."""
    out: dict[str, nn.Module] = {}
    for name, value in sorted(vars(trainer).items()):
        if isinstance(value, nn.Module):
            out[name] = value
        elif isinstance(value, EMA):
            out[f"{name}.model"] = value.model
        elif isinstance(value, dict) and value and all(isinstance(v, nn.Module) for v in value.values()):
            out.update({f"{name}.{k}": v for k, v in sorted(value.items())})
    return out


def tensors(trainer: Any) -> dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": v.detach().clone() for prefix, module in networks(trainer).items()
            for k, v in module.state_dict().items()}


def _plain(cfg: Any) -> dict[str, Any]:
    """A config as JSON-ready data, as its model reads it (``cfg.canonical(fields)``, when the config
    class has it, resolves a value such as ``decoder="auto"`` to what it means)."""
    fields = json.loads(json.dumps(dataclasses.asdict(cfg), default=str))
    canonical = getattr(type(cfg), "canonical", None)
    return canonical(fields) if canonical else fields


def _config(trainer: Any) -> dict[str, Any]:
    return _plain(trainer.cfg)


# --------------------------------------------------------------------------- save and load


def blob_of(trainer: Any, model: str) -> dict[str, Any]:
    return {"format": FORMAT, "model": model, "config": json.dumps(_config(trainer), sort_keys=True),
            "steps": int(getattr(trainer, "steps", 0)), "tensors": tensors(trainer)}


def save(trainer: Any, model: str, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(blob_of(trainer, model), path)
    return path


def as_bytes(trainer: Any, model: str) -> bytes:
    """The checkpoint as the bytes of a ``.pt`` file (a page's "weights" download)."""
    buffer = io.BytesIO()
    torch.save(blob_of(trainer, model), buffer)
    return buffer.getvalue()


def read(path: Path | str) -> dict[str, Any]:
    """The checkpoint's plain data (no code can run: ``weights_only=True``)."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"No trained model is shipped at {Path(path).name}.") from None
    except Exception as err:  # not a torch file, or one that would need arbitrary unpickling
        raise CheckpointError(f"{Path(path).name} is not a plain-tensor checkpoint "
                              f"({type(err).__name__}): it is not loaded.") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT or not isinstance(blob.get("tensors"), dict):
        raise CheckpointError(f"{Path(path).name} is not a GenLab checkpoint of format {FORMAT}.")
    return blob


def _settings_differ(saved_json: Any, current: dict[str, Any], config: type | None = None) -> str | None:
    try:
        saved = json.loads(saved_json)
    except (TypeError, ValueError):
        return "its settings are unreadable"
    canonical = getattr(config, "canonical", None)
    if canonical and isinstance(saved, dict):
        saved = canonical(saved)
    differ = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k) and k not in MAY_DIFFER)
    if differ:
        return "it was trained with " + ", ".join(f"{k}={saved.get(k)}" for k in differ[:4])
    return None


@functools.lru_cache(maxsize=32)
def _shipped_settings(path: str, mtime: float) -> str | None:
    try:
        return read(path).get("config")
    except CheckpointError:
        return None


def settings_fit(model: str, cfg: Any) -> str | None:
    """Why the shipped checkpoint of ``model`` cannot start a run with config ``cfg`` (None: it can).

    Cheap enough for every page run: the checkpoint is read once per file version.
    """
    path = path_for(model)
    if not path.is_file():
        return "no trained model is shipped for it"
    saved = _shipped_settings(str(path), path.stat().st_mtime)
    if saved is None:
        return "the shipped file is not a usable checkpoint"
    return _settings_differ(saved, _plain(cfg), type(cfg))


def mismatch(blob: dict[str, Any], trainer: Any, model: str) -> str | None:
    """Why this checkpoint does not fit this trainer (None: it fits)."""
    if blob.get("model") != model:
        return f"it holds a {blob.get('model')} model, not {model}"
    differ = _settings_differ(blob.get("config"), _config(trainer), type(trainer.cfg))
    if differ:
        return differ
    mine = {k: tuple(v.shape) for k, v in tensors(trainer).items()}
    theirs = {k: tuple(v.shape) for k, v in blob["tensors"].items() if isinstance(v, torch.Tensor)}
    if mine != theirs:
        return "its networks do not match the ones this code builds"
    return None


def load_into(trainer: Any, model: str, path: Path | str | None = None) -> Any:
    """Put the checkpoint's weights into ``trainer`` (built with the same settings); the trainer, or CheckpointError."""
    blob = read(path or path_for(model))
    why = mismatch(blob, trainer, model)
    if why:
        raise CheckpointError(f"The trained {model} model does not fit these settings: {why}. Start from scratch.")
    for prefix, module in networks(trainer).items():
        own = {k[len(prefix) + 1:]: v for k, v in blob["tensors"].items() if k.startswith(prefix + ".")}
        module.load_state_dict(own, strict=True)
    if hasattr(trainer, "steps"):
        trainer.steps = int(blob.get("steps", 0))  # schedules (EMA warm-up, cosine rate) go on from there
    if hasattr(trainer, "after_load"):
        trainer.after_load()
    return trainer


def build_trained(build: Callable[..., Any], model: str, *args: Any, **kwargs: Any) -> Any:
    """A trainer built as ``build(*args, **kwargs)`` starting from the shipped checkpoint (a RunSpec builder).

    Marked ``from_checkpoint``: a run of it measures the loaded model before its first step (``measure()``,
    if the trainer has one), so a page draws the trained model's curves on arrival."""
    trainer = load_into(build(*args, **kwargs), model)
    trainer.from_checkpoint = True
    return trainer
