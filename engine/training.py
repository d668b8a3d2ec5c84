"""Trainer for loss-returning models, with callbacks (a tqdm bar in the CLI, st.progress in a page).

The model's `forward(x, target)` returns an `AEOutput` whose `.loss` is minimised; the experiment supplies the
batches. Everything random comes from the config's seed, so a run on CPU is reproducible bit for bit.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
            if isinstance(state.history, dict):  # adversarial training (GANState): its latest loss terms
                self.bar.set_postfix({k: f"{v:.3g}" for k, v in state.parts.items()}, refresh=False)
            else:
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


# ---------------------------------------------------------------------------------------------------------------
# Adversarial training (GANs): a generator and a critic take turns; the loss object says what each minimises.


@dataclass
class GANTrainConfig:
    steps: int = 2000  # generator steps (what "the same budget" means across losses)
    batch_size: int = 64
    n_critic: int = 1  # critic steps per generator step (5 in the WGAN-GP paper, 1 for the classic GAN)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    seed: int = 0
    lr_decay: bool = False  # linear decay to 0 over `steps` (sharpens the final samples)
    snapshot_every: int = 0  # every this many generator steps: render the fixed-z grid (0 = never)
    n_fixed: int = 16  # latents in the fixed-z grid
    history_max: int = 2000  # loss history is thinned (every other point dropped) past this length: bounded memory


@dataclass
class GANState:
    step: int = 0  # generator steps done
    total_steps: int = 0
    parts: dict[str, float] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)  # loss terms, one point per `stride` steps
    stride: int = 1
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (step, fixed-z outputs)
    seconds: float = 0.0  # training wall time so far (summed over resumed sittings)


class AdversarialTrainer:
    """Trains `gan` (with `.generator`, `.critic(x)`, `.generate(z, y)`, `.sample_z(n, gen)`) under `loss`
    (engine.models.gan_losses). `real_batch(n, gen)` returns `(x, y)` with y the class labels or None; fakes reuse
    the real labels (the data's class shares). All randomness comes from one torch.Generator seeded by cfg.seed,
    so runs are reproducible and `state_dict()` / `load_state_dict()` resume bit for bit. Callbacks get
    on_step_end(state) after each generator step."""

    def __init__(self, gan: torch.nn.Module, loss, cfg: GANTrainConfig,
                 real_batch: Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor | None]],
                 callbacks: Iterable[Callback] = (), snapshot: Callable[[torch.Tensor], np.ndarray] | None = None):
        self.gan, self.loss, self.cfg, self.real_batch = gan, loss, cfg, real_batch
        self.callbacks = list(callbacks)
        self.snapshot = snapshot  # fixed-z outputs -> array stored in state.snapshots (e.g. uint8 images)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(gan.generator.parameters(), lr=cfg.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self._critic_params(), lr=cfg.lr_d, betas=betas)
        self.fixed_z = gan.sample_z(cfg.n_fixed, torch.Generator().manual_seed(cfg.seed + 1))
        _, y = real_batch(cfg.n_fixed, torch.Generator().manual_seed(cfg.seed + 2))
        self.fixed_y = y
        self.state = GANState(total_steps=cfg.steps)

    def _critic_params(self) -> list[torch.nn.Parameter]:
        gen_ids = {id(p) for p in self.gan.generator.parameters()}
        return [p for p in self.gan.parameters() if id(p) not in gen_ids]

    def _lr_scale(self) -> float:
        return max(0.0, 1 - self.state.step / max(1, self.cfg.steps)) if self.cfg.lr_decay else 1.0

    def step(self) -> dict[str, float]:
        """One generator step, preceded by cfg.n_critic critic steps; returns the loss terms."""
        cfg, gan = self.cfg, self.gan
        for opt, lr in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * self._lr_scale()
        gan.train()
        d_params = self._critic_params()
        for p in d_params:
            p.requires_grad_(True)
        for _ in range(cfg.n_critic):
            real, y = self.real_batch(cfg.batch_size, self.gen)
            with torch.no_grad():
                fake = gan.generate(gan.sample_z(cfg.batch_size, self.gen), y)
            d_loss, parts = self.loss.critic_loss(gan.critic, real, fake, self.gen, labels=(y, y))
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        for p in d_params:  # the generator step needs gradients through the critic, not of its weights
            p.requires_grad_(False)
        _, y = self.real_batch(cfg.batch_size, self.gen)
        fake = gan.generate(gan.sample_z(cfg.batch_size, self.gen), y)
        g_loss, g_parts = self.loss.generator_loss(gan.critic, fake, labels=y)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        parts = {**parts, **g_parts}
        if not all(math.isfinite(v) for v in parts.values()):
            raise FloatingPointError(f"GAN loss became non-finite at step {self.state.step + 1}: {parts}; "
                                     "lower the learning rate.")
        self._record(parts)
        return parts

    def _record(self, parts: dict[str, float]) -> None:
        s = self.state
        s.step += 1
        s.parts = parts
        if s.step % s.stride == 0:
            for k, v in parts.items():
                s.history.setdefault(k, []).append(v)
            if max(len(v) for v in s.history.values()) > self.cfg.history_max:
                s.history = {k: v[1::2] for k, v in s.history.items()}  # keep every other point, double stride
                s.stride *= 2
        if self.cfg.snapshot_every and s.step % self.cfg.snapshot_every == 0:
            s.snapshots.append((s.step, self.sample_fixed()))
        for cb in self.callbacks:
            cb.on_step_end(s)

    @torch.no_grad()
    def sample_fixed(self) -> np.ndarray:
        """The generator's output on the fixed latents (through `snapshot`, e.g. to uint8 images)."""
        was = self.gan.training
        self.gan.eval()
        out = self.gan.generate(self.fixed_z, self.fixed_y)
        self.gan.train(was)
        return self.snapshot(out) if self.snapshot else out.numpy()

    def fit(self, steps: int | None = None) -> GANState:
        """Run generator steps until `steps` (default cfg.steps) are done in total; resumes where it stands."""
        import time

        target = self.cfg.steps if steps is None else steps
        for cb in self.callbacks:
            cb.on_train_start(self.state)
        while self.state.step < target:
            t = time.perf_counter()
            self.step()
            self.state.seconds += time.perf_counter() - t
        self.gan.eval()
        for cb in self.callbacks:
            cb.on_train_end(self.state)
        return self.state

    def state_dict(self) -> dict:
        """Everything a resumed run needs: weights, both optimisers, the RNG, the step, history and snapshots."""
        import copy

        return {"gan": copy.deepcopy(self.gan.state_dict()), "opt_g": copy.deepcopy(self.opt_g.state_dict()),
                "opt_d": copy.deepcopy(self.opt_d.state_dict()), "rng": self.gen.get_state(),
                "state": copy.deepcopy(self.state)}

    def load_state_dict(self, sd: dict) -> None:
        import copy

        self.gan.load_state_dict(sd["gan"], strict=True)
        self.opt_g.load_state_dict(sd["opt_g"])
        self.opt_d.load_state_dict(sd["opt_d"])
        self.gen.set_state(sd["rng"])
        st = sd["state"]
        self.state = copy.deepcopy(st) if isinstance(st, GANState) else GANState(
            **{**st, "snapshots": [(int(s), np.asarray(a)) for s, a in st["snapshots"]]})
        self.state.total_steps = self.cfg.steps  # this sitting's target (a resumed run may change it)

    def save(self, path) -> None:
        """Write state_dict() to `path` atomically (a resume file for a long run, not a shipped checkpoint).
        Only tensors, numbers, strings and lists go in, so `load` reads it with torch.load(weights_only=True)."""
        import dataclasses
        import os
        from pathlib import Path

        sd = self.state_dict()
        st = dataclasses.asdict(sd["state"])
        st["snapshots"] = [(s, torch.from_numpy(a)) for s, a in self.state.snapshots]
        sd["state"] = st
        sd["config"] = dataclasses.asdict(self.cfg)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        torch.save(sd, tmp)
        os.replace(tmp, path)

    def _read(self, path) -> dict:
        sd = torch.load(path, weights_only=True)
        sd["state"]["snapshots"] = [(int(s), a.numpy()) for s, a in sd["state"]["snapshots"]]
        return sd

    def resumable(self, path) -> bool:
        """Whether `path` holds a readable resume file written with this trainer's config."""
        import dataclasses

        try:
            sd = self._read(path)
        except Exception:  # a half-written or foreign file: start afresh rather than fail
            return False
        # The total step count may differ: a run can be extended, or finished early at a saved step.
        mine = {k: v for k, v in dataclasses.asdict(self.cfg).items() if k != "steps"}
        theirs = {k: v for k, v in (sd.get("config") or {}).items() if k != "steps"}
        return mine == theirs and sd["state"]["step"] <= self.cfg.steps

    def load(self, path) -> None:
        """Continue from a file written by `save`."""
        self.load_state_dict(self._read(path))
