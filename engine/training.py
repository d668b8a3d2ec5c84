"""Trainer for loss-returning models, with callbacks (a tqdm bar in the CLI, st.progress in a page).

The model's `forward(x, target)` returns an `AEOutput` whose `.loss` is minimised; the experiment supplies the
batches. Everything random comes from the config's seed, so a run on CPU is reproducible bit for bit.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable, Iterable

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
    def __init__(self, model: torch.nn.Module, cfg: TrainConfig, callbacks: Iterable[Callback] = ()):
        self.model, self.cfg, self.callbacks = model, cfg, list(callbacks)
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

    def fit(self, batches: Callable[[TrainConfig, np.random.Generator], Iterable]) -> TrainState:
        """Train for cfg.epochs; `batches(cfg, rng)` yields one epoch of (input, target) tensor pairs."""
        rng = np.random.default_rng(self.cfg.seed)
        torch.manual_seed(self.cfg.seed)  # for the model's own randomness (VAE sampling, latent noise)
        self.model.train()
        self._call("on_train_start")
        for epoch in range(self.cfg.epochs):
            self.state.epoch = epoch
            for x, target in batches(self.cfg, rng):
                out = self.model(x, target)
                self.opt.zero_grad(set_to_none=True)
                out.loss.backward()
                self.opt.step()
                self.sched.step()
                self.state.step += 1
                self.state.loss = float(out.loss.detach())
                self.state.parts = out.parts or {}
                self.state.history.append(self.state.loss)
                if not math.isfinite(self.state.loss):
                    raise FloatingPointError(f"Loss became {self.state.loss} at step {self.state.step}; lower the lr.")
                self._call("on_step_end")
            self._call("on_epoch_end")
        self.model.eval()
        self._call("on_train_end")
        return self.state
