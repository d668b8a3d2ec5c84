"""Trainer for loss-returning models, with callbacks (a tqdm bar in the CLI, st.progress in a page).

The model's `forward(x, target)` returns an `AEOutput` whose `.loss` is minimised; the experiment supplies the
batches. Everything random comes from the config's seed, so a run on CPU is reproducible bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import torch


@dataclass
class TrainConfig:
    epochs: int = 20
    steps_per_epoch: int = 100  # for generated data an "epoch" is a fixed number of fresh batches
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 0.0
    seed: int = 0
    warmup_steps: int = 100  # linear warm-up, then cosine decay to lr/50


@dataclass
class TrainState:
    epoch: int = 0
    step: int = 0
    total_steps: int = 0
    loss: float = float("nan")
    parts: dict[str, float] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)  # loss of every step


@dataclass
class Resumable:
    """Where and how often `Trainer.fit` saves its full state so that a killed run can continue (`--resume`).

    The state (model, optimizer, scheduler, every RNG, step, epoch, loss history) is one safetensors file whose
    metadata holds the JSON part - no pickle - written atomically at the end of an epoch once `every_s` seconds have
    passed since the last one. `fingerprint` (experiment, configs, data) must match for a resume to be accepted."""

    path: Path
    every_s: float = 180.0
    resume: bool = False
    fingerprint: dict[str, Any] = field(default_factory=dict)


@dataclass
class Distributed:
    """This process's place in a data-parallel run (rank 0 of 1 when not launched by torchrun)."""

    rank: int = 0
    world_size: int = 1
    backend: str = ""


def distributed_from_env() -> Distributed:
    """Join the process group torchrun describes in the environment (WORLD_SIZE, RANK, MASTER_ADDR, ...): gloo on
    CPU, nccl when CUDA is there. A plain `python -m engine train` (no WORLD_SIZE) is a world of one."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Distributed()
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return Distributed(dist.get_rank(), dist.get_world_size(), str(dist.get_backend()))


class Callback:
    """Hooks the trainer calls; override what you need."""

    def on_train_start(self, state: TrainState) -> None: ...
    def on_step_end(self, state: TrainState) -> None: ...
    def on_epoch_end(self, state: TrainState) -> None: ...
    def on_train_end(self, state: TrainState) -> None: ...


class TqdmCallback(Callback):
    """A progress bar on stderr with the running loss."""

    def on_train_start(self, state: TrainState) -> None:
        import sys

        from tqdm import tqdm

        # Off a terminal (CI logs) redraw rarely, so the log gets a few lines rather than thousands.
        self.bar = tqdm(total=state.total_steps, unit="step", dynamic_ncols=True,
                        mininterval=0.1 if sys.stderr.isatty() else 10.0)

    def on_step_end(self, state: TrainState) -> None:
        self.bar.update(1)
        if state.step % 20 == 0:
            self.bar.set_postfix(epoch=state.epoch + 1, loss=f"{np.mean(state.history[-20:]):.4g}", refresh=False)

    def on_train_end(self, state: TrainState) -> None:
        self.bar.close()


class FunctionCallback(Callback):
    """Calls `fn(state)` every `every` steps and at the end: how a page drives st.progress and a live loss curve."""

    def __init__(self, fn: Callable[[TrainState], None], every: int = 10):
        self.fn, self.every = fn, every

    def on_step_end(self, state: TrainState) -> None:
        if state.step % self.every == 0:
            self.fn(state)

    def on_train_end(self, state: TrainState) -> None:
        self.fn(state)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch; call before building the model so its initial weights are reproducible."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    """Trains `model` on `cfg`. With `dist` (a torchrun world of N > 1), the model is wrapped in
    DistributedDataParallel: every rank draws the same batches from the same seed and trains on its own 1/N slice
    of each (a disjoint share of every epoch, like DistributedSampler), gradients are averaged, so the effective
    batch and the schedule are the config's and the result matches one process up to float rounding and the
    model's own noise (seeded per rank). Callbacks and state files are rank 0's business (the caller decides)."""

    def __init__(self, model: torch.nn.Module, cfg: TrainConfig, callbacks: Iterable[Callback] = (),
                 dist: Distributed | None = None):
        self.model, self.cfg, self.callbacks = model, cfg, list(callbacks)
        self.dist = dist or Distributed()
        self.forward = model
        if self.dist.world_size > 1:
            from torch.nn.parallel import DistributedDataParallel

            self.forward = DistributedDataParallel(model)
        self.opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        total = cfg.epochs * cfg.steps_per_epoch

        def lr_at(step: int) -> float:
            if step < cfg.warmup_steps:
                return (step + 1) / cfg.warmup_steps
            t = (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
            return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))

        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lr_at)
        self.state = TrainState(total_steps=total)

    def _call(self, hook: str) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self.state)

    def fit(self, batches: Callable[[TrainConfig, np.random.Generator], Iterable],
            resumable: Resumable | None = None) -> TrainState:
        """Train for cfg.epochs; `batches(cfg, rng)` yields one epoch of (input, target) tensor pairs. With
        `resumable`, save the training state every few minutes (at epoch ends) and, if `resumable.resume`, start
        from the saved state: on CPU the result is then bit for bit the uninterrupted run's."""
        rng = np.random.default_rng(self.cfg.seed)  # the same on every rank: each takes its slice of each batch
        torch.manual_seed(self.cfg.seed + self.dist.rank)  # the model's own noise (VAE sampling, latent noise)
        rank, world = self.dist.rank, self.dist.world_size
        start = 0
        if resumable is not None and resumable.resume:
            start = self._restore(resumable, rng)
        last_save = time.monotonic()
        self.model.train()
        self._call("on_train_start")
        for epoch in range(start, self.cfg.epochs):
            self.state.epoch = epoch
            for x, target in batches(self.cfg, rng):
                if world > 1:
                    x, target = x.tensor_split(world)[rank], target.tensor_split(world)[rank]
                out = self.forward(x, target)
                self.opt.zero_grad(set_to_none=True)
                out.loss.backward()  # under DDP the gradients are all-reduced (averaged) here
                self.opt.step()
                self.sched.step()
                self.state.step += 1
                loss = out.loss.detach()
                if world > 1:  # log the loss of the whole effective batch, as one process would
                    import torch.distributed as tdist

                    loss = loss.clone()
                    tdist.all_reduce(loss)
                    loss /= world
                self.state.loss = float(loss)
                self.state.parts = out.parts or {}
                self.state.history.append(self.state.loss)
                if not math.isfinite(self.state.loss):
                    raise FloatingPointError(f"Loss became {self.state.loss} at step {self.state.step}; lower the lr.")
                self._call("on_step_end")
            self._call("on_epoch_end")
            if (resumable is not None and rank == 0 and epoch + 1 < self.cfg.epochs
                    and time.monotonic() - last_save >= resumable.every_s):
                self._save_state(resumable, rng, epoch + 1)
                last_save = time.monotonic()
        self.model.eval()
        self._call("on_train_end")
        return self.state

    # --- resumable runs: the whole training state as safetensors + JSON ------------------------------------------

    def _save_state(self, r: Resumable, rng: np.random.Generator, next_epoch: int) -> None:
        tensors = {f"model.{k}": v.detach().contiguous().clone() for k, v in self.model.state_dict().items()}
        opt = self.opt.state_dict()
        for idx, st in opt["state"].items():
            for key, v in st.items():
                tensors[f"optim.{idx}.{key}"] = v.detach().contiguous().clone()
        tensors["rng.torch"] = torch.get_rng_state()
        np_state = np.random.get_state()
        meta = {
            "format": 1, "fingerprint": r.fingerprint, "next_epoch": next_epoch,
            "state": {"step": self.state.step, "total_steps": self.state.total_steps, "loss": self.state.loss,
                      "history": self.state.history},
            "param_groups": opt["param_groups"], "sched": self.sched.state_dict(),
            "rng_numpy": rng.bit_generator.state,
            "rng_numpy_global": [np_state[0], np_state[1].tolist(), *np_state[2:]],
            "rng_python": random.getstate(),
        }
        from safetensors.torch import save_file

        r.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=r.path.parent, prefix=f".{r.path.name}.", suffix=".tmp")
        os.close(fd)
        try:  # temp file + fsync + rename: a kill leaves the previous state (or none), never half a file
            save_file(tensors, tmp, metadata={"resume": json.dumps(meta)})
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, r.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _restore(self, r: Resumable, rng: np.random.Generator) -> int:
        from safetensors import safe_open

        if not r.path.is_file():
            raise ValueError(f"No saved training state to resume ({r.path} does not exist): run without --resume.")
        try:
            with safe_open(str(r.path), framework="pt") as f:
                meta = json.loads(f.metadata()["resume"])
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as e:  # noqa: BLE001  a damaged state file: say so, never a traceback
            raise ValueError(f"The saved training state {r.path} is damaged ({e}); delete it and train again.") \
                from None
        if meta.get("fingerprint") != r.fingerprint:
            raise ValueError(f"The saved training state {r.path} belongs to another run (different experiment, "
                             "configs, epochs or data); run without --resume to start afresh.")
        self.model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
        opt_state: dict[int, dict[str, torch.Tensor]] = {}
        for k, v in tensors.items():
            if k.startswith("optim."):
                _, idx, key = k.split(".", 2)
                opt_state.setdefault(int(idx), {})[key] = v
        self.opt.load_state_dict({"state": opt_state, "param_groups": meta["param_groups"]})
        self.sched.load_state_dict(meta["sched"])
        rng.bit_generator.state = meta["rng_numpy"]
        g = meta["rng_numpy_global"]
        np.random.set_state((g[0], np.array(g[1], dtype=np.uint32), *g[2:]))
        p = meta["rng_python"]
        random.setstate((p[0], tuple(p[1]), p[2]))
        torch.set_rng_state(tensors["rng.torch"])
        st = meta["state"]
        self.state.step, self.state.loss, self.state.history = st["step"], st["loss"], list(st["history"])
        self.state.epoch = meta["next_epoch"]
        return int(meta["next_epoch"])
