"""Training and evaluation runs: train an experiment from scratch, measure it, write its checkpoint and card.

The facade (`engine.api`) re-exports these; the CLI and the pages call them through it.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable

import numpy as np
import torch

from engine import checkpoints, inference
from engine.experiments import get_experiment
from engine.registry import EVAL_SEED, build_model
from engine.training import FunctionCallback, Resumable, Trainer, distributed_from_env, seed_everything


def evaluate(name: str, seed: int = EVAL_SEED, model=None) -> dict[str, float]:
    """Measure a model (the shipped checkpoint unless one is given) on freshly drawn held-out data."""
    exp = get_experiment(name)  # unknown names get the list of known ones before any file is read
    if model is None:
        model = checkpoints.cached(name)[0]  # the same cached, verified copy the facade serves
    return exp.evaluate(model, seed)


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for pkg in ("torch", "numpy", "safetensors", "scikit-image", "scipy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def train(name: str, epochs: int | None = None, seed: int | None = None, callbacks: Iterable = (),
          save: bool = True, command: str | None = None, data: str | None = None, init: bool = False,
          lr: float | None = None, resume: bool = False) -> tuple[Any, dict[str, Any]]:
    """Train experiment `name`, evaluate it and (if `save`) write its checkpoint and card atomically.
    `data` is a dataset path for labs that read one (`--data PATH`). `init`: start from the shipped checkpoint's
    weights instead of from scratch (a longer run in several sittings); the card then records the run it continued
    and the training time summed over both. `lr` overrides the peak learning rate. Returns (model, card).

    With `save`, the full training state is written every few minutes ($AEX_STATE_EVERY_S, default 180 s) to
    `state_path(name)`, beside - never over - the shipped checkpoint; `resume` continues a killed run from it
    (same arguments), and a finished run deletes it."""
    exp = get_experiment(name)
    if epochs is not None and epochs < 1:
        raise ValueError(f"--epochs must be at least 1 (got {epochs}).")
    if data is not None:
        if exp.use_data is None:
            raise ValueError(f"{name} generates its own data; --data is not used by this experiment.")
        exp.use_data(data)
    cfg = exp.train_config
    overrides = {k: v for k, v in (("epochs", epochs), ("seed", seed), ("lr", lr)) if v is not None}
    unknown = [k for k in overrides if not hasattr(cfg, k)]
    if unknown:  # e.g. a GAN trains for a number of generator steps, not epochs
        raise ValueError(f"{name} has no {', '.join(unknown)} setting; its training config is {cfg}.")
    cfg = replace(cfg, **overrides)
    dist = distributed_from_env()  # torchrun: join the process group; a plain run is a world of one
    if cfg.batch_size % dist.world_size:
        raise ValueError(f"The batch size {cfg.batch_size} does not split evenly over {dist.world_size} processes.")
    if dist.rank != 0:
        callbacks, save = [], False  # rank 0 reports progress, evaluates and writes
    seed_everything(cfg.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = build_model(exp.family, exp.model_config)
    previous = None
    if init:
        start, prev_card, _ = checkpoints.load(name)  # verified; a missing/corrupt checkpoint says how to rebuild
        # The weights decide whether a run can continue: config fields that only shape the loss (e.g. a new loss
        # term's weight) may change between sittings; the card keeps the earlier config beside the new one.
        try:
            model.load_state_dict(start.state_dict(), strict=True)
        except RuntimeError:
            raise ValueError(f"--init: the shipped {name} has another architecture; train it from scratch.") from None
        for p in model.parameters():
            p.requires_grad_(True)
        previous = {k: prev_card.get(k) for k in ("command", "sha256", "steps", "wall_time_s", "train_config",
                                                  "model_config", "metrics", "continued_from", "total_steps",
                                                  "total_wall_time_s", "warm_start")}
    warm = (previous or {}).get("warm_start")  # a continued run keeps saying where its first sitting started
    if exp.warm_start and not init:
        start, start_card, _ = checkpoints.load(exp.warm_start)  # verified; a missing one says how to rebuild it
        model.load_state_dict(start.state_dict(), strict=True)
        for p in model.parameters():
            p.requires_grad_(True)
        warm = {"experiment": exp.warm_start, "sha256": start_card.get("sha256")}
    resumable = None
    if save or resume:  # every rank restores on --resume; only rank 0 writes (in Trainer.fit)
        fingerprint = {"experiment": name, "train_config": dict(cfg.__dict__), "model_config": exp.model_config_dict(),
                       "data": data, "init": init}
        resumable = Resumable(state_path(name), float(os.environ.get("AEX_STATE_EVERY_S", 180)), resume,
                              json.loads(json.dumps(fingerprint)))  # as JSON sees it (tuples become lists)
    t0 = time.time()
    fitted_extras: dict = {}
    if exp.fit is not None:  # a loop of its own (GANs): steps, loss history and extras come back as a dict
        out = exp.fit(model, cfg, list(callbacks), resumable, dist)
        state = SimpleNamespace(step=out["step"], history=list(out["history"]) or [float("nan")])
        fitted_extras = out.get("extras", {})
    else:
        state = Trainer(model, cfg, callbacks, dist).fit(exp.batches, resumable)
    wall = time.time() - t0
    if exp.fit is not None and "seconds" in out:  # training time over every sitting of a resumed run
        wall = float(out["seconds"])
    if dist.world_size > 1 and dist.rank != 0:
        # Only rank 0 evaluates and writes; this rank waits for it in the barrier. (Should rank 0 fail instead,
        # torchrun stops the other ranks.)
        _leave_process_group()
        return model, {}
    for p in model.parameters():
        p.requires_grad_(False)
    metrics = exp.evaluate(model, EVAL_SEED)
    history = state.history[:: max(1, len(state.history) // 200)]
    card_ = {
        "experiment": name, "model": exp.family, "model_config": exp.model_config_dict(),
        "train_config": cfg.__dict__, "seed": cfg.seed, "data_fingerprint": exp.data_fingerprint(), "data": data,
        "command": command or f"python -m engine train {name}", "wall_time_s": round(wall, 1),
        "steps": state.step, "final_loss": round(float(np.mean(state.history[-50:])), 5),
        "params": sum(p.numel() for p in model.parameters()),
        "machine": {"platform": platform.platform(), "cpus": torch.get_num_threads(),
                    "processor": platform.processor() or platform.machine()},
        "versions": _versions(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "distributed": {"world_size": dist.world_size, "backend": dist.backend or None,
                        "per_process_batch": cfg.batch_size // dist.world_size, "effective_batch": cfg.batch_size},
        "eval_seed": EVAL_SEED, "metrics": metrics,
        "bars": {str(b): bool(b.holds(metrics)) for b in exp.bars if b.judged(metrics)},
        "loss_history": [round(float(v), 5) for v in history],
    }
    if warm:
        card_["warm_start"] = warm
    if resume:
        card_["resumed"] = True  # continued a killed run from its saved state (same result as one sitting on CPU)
    if exp.data_manifest is not None:
        card_["training_data"] = exp.data_manifest()
    if previous:
        card_["continued_from"] = previous
        card_["total_steps"] = state.step + int(previous.get("total_steps") or previous["steps"] or 0)
        card_["total_wall_time_s"] = round(wall + float(previous.get("total_wall_time_s") or
                                                        previous["wall_time_s"] or 0), 1)
    if save:
        extras = {**fitted_extras, **(exp.extras(model) if exp.extras else {})}
        card_ = checkpoints.save(name, model, card_, extras or None, storage_dtype=exp.storage_dtype)
        checkpoints.clear_cache()  # the next load reads the new checkpoint (and forgets grids decoded from the old)
        if resumable is not None:
            resumable.path.unlink(missing_ok=True)  # the run is complete: nothing left to resume
    if dist.world_size > 1:
        _leave_process_group()
    return model, card_


def _leave_process_group() -> None:
    """Every rank leaves the process group together, after rank 0 has written, with nothing left holding it.
    Ranks used to abort now and then at exit ("terminate called without an active exception", exit code -6; 4 of
    12 torchrun runs here): the trainer's DistributedDataParallel wrapper, kept alive by a reference cycle, still
    held the gloo process group, whose worker threads were then torn down during interpreter finalisation. Collect
    it first, so the group's threads stop inside destroy_process_group."""
    import gc

    import torch.distributed as tdist

    gc.collect()
    tdist.barrier()
    tdist.destroy_process_group()


def state_path(name: str) -> Path:
    """The resumable training state of `name`: `<checkpoints>/.state/<name>.safetensors` (safetensors + JSON)."""
    return checkpoints.checkpoint_dir() / ".state" / f"{name}.safetensors"


@dataclass
class TrainPreview:
    metrics: dict[str, float]
    grid: Any  # PIL image of the decoded latent grid of the freshly trained model
    history: list[float]
    seconds: float


def train_preview(name: str, epochs: int, seed: int = 0, on_progress=None, every: int = 25,
                  grid_n: int = 12) -> TrainPreview:
    """Train `name` from scratch in memory (nothing is saved) and return its metrics and decoded grid.
    `on_progress(step, total_steps, loss_history)` is called every `every` steps: a page's st.progress and live
    loss curve hang off it."""
    from engine import viz

    if not 1 <= int(epochs) <= 50:
        raise ValueError("Epochs must be between 1 and 50 here; use `python -m engine train` for longer runs.")
    cb = [FunctionCallback(lambda s: on_progress(s.step, s.total_steps, s.history), every)] if on_progress else []
    t0 = time.time()
    model, card_ = train(name, epochs=int(epochs), seed=int(seed), callbacks=cb, save=False)
    exp = get_experiment(name)
    span = inference.span_covering(inference.encode(model, exp.map_points()[0]))  # the same rule as the map
    image = viz.pixels(viz.tile_grid(inference.decode_grid(model, grid_n, span), exp.render), 3)
    return TrainPreview(card_["metrics"], image, card_["loss_history"], time.time() - t0)
