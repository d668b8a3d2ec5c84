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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        opt_tensors, groups = optimizer_tensors("optim", self.opt)
        tensors.update(opt_tensors)
        tensors["rng.torch"] = torch.get_rng_state()
        np_state = np.random.get_state()
        meta = {
            "format": 1, "fingerprint": r.fingerprint, "next_epoch": next_epoch,
            "state": {"step": self.state.step, "total_steps": self.state.total_steps, "loss": self.state.loss,
                      "history": self.state.history},
            "param_groups": groups, "sched": self.sched.state_dict(),
            "rng_numpy": rng.bit_generator.state,
            "rng_numpy_global": [np_state[0], np_state[1].tolist(), *np_state[2:]],
            "rng_python": random.getstate(),
        }
        write_state(r.path, tensors, meta)

    def _restore(self, r: Resumable, rng: np.random.Generator) -> int:
        tensors, meta = read_state(r.path, r.fingerprint)
        self.model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
        load_optimizer(self.opt, "optim", tensors, meta["param_groups"])
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


# --- training state files (both trainers): safetensors for the tensors, JSON in its metadata, no pickle ----------

def optimizer_tensors(prefix: str, opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list]:
    """An optimizer's per-parameter state as named tensors (`prefix.<index>.<key>`) and its param groups (JSON)."""
    sd = opt.state_dict()
    tensors = {f"{prefix}.{idx}.{key}": (v if torch.is_tensor(v) else torch.tensor(v)).detach().contiguous().clone()
               for idx, st in sd["state"].items() for key, v in st.items()}
    return tensors, sd["param_groups"]


def load_optimizer(opt: torch.optim.Optimizer, prefix: str, tensors: dict[str, torch.Tensor], groups: list) -> None:
    """The inverse of `optimizer_tensors`."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith(prefix + "."):
            _, idx, key = k.split(".", 2)
            state.setdefault(int(idx), {})[key] = v
    opt.load_state_dict({"state": state, "param_groups": groups})


def write_state(path: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write a training state atomically: temp file + fsync + rename, so a kill leaves the previous state (or
    none), never half a file."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"resume": json.dumps(meta)})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_state(path: Path, fingerprint: dict[str, Any] | None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, meta) of a state file written by `write_state`; ValueError with what to do if it is missing,
    damaged, or (when `fingerprint` is given) written by another run."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No saved training state to resume ({path} does not exist): run without --resume.")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads(f.metadata()["resume"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # noqa: BLE001  a damaged state file: say so, never a traceback
        raise ValueError(f"The saved training state {path} is damaged ({e}); delete it and train again.") from None
    if fingerprint is not None and meta.get("fingerprint") != fingerprint:
        raise ValueError(f"The saved training state {path} belongs to another run (different experiment, "
                         "configs, epochs or data); run without --resume to start afresh.")
    return tensors, meta


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
                 callbacks: Iterable[Callback] = (), snapshot: Callable[[torch.Tensor], np.ndarray] | None = None,
                 dist: Distributed | None = None):
        self.gan, self.loss, self.cfg, self.real_batch = gan, loss, cfg, real_batch
        self.dist = dist or Distributed()
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
            z = gan.sample_z(cfg.batch_size, self.gen)
            real, y, z = self._mine(real, y, z)
            with torch.no_grad():
                fake = gan.generate(z, y)
            d_loss, parts = self.loss.critic_loss(gan.critic, real, fake, self.gen, labels=(y, y))
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self._average_grads(d_params)
            self.opt_d.step()
        for p in d_params:  # the generator step needs gradients through the critic, not of its weights
            p.requires_grad_(False)
        _, y = self.real_batch(cfg.batch_size, self.gen)
        z = gan.sample_z(cfg.batch_size, self.gen)
        _, y, z = self._mine(None, y, z)
        fake = gan.generate(z, y)
        g_loss, g_parts = self.loss.generator_loss(gan.critic, fake, labels=y)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self._average_grads(list(gan.generator.parameters()))
        self.opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        parts = {**parts, **g_parts}
        if not all(math.isfinite(v) for v in parts.values()):
            raise FloatingPointError(f"GAN loss became non-finite at step {self.state.step + 1}: {parts}; "
                                     "lower the learning rate.")
        self._record(parts)
        return parts

    # Under torchrun every rank draws the same whole batch from the same generator and keeps its slice (a disjoint
    # share, as Trainer does), then gradients are averaged with torch.distributed's all_reduce before each optimiser
    # step: what DistributedDataParallel does, done by hand because the gradient penalty's double backward through
    # the critic (autograd.grad with create_graph) is not supported inside DDP's reducer. Each rank draws its slice's
    # penalty weights from the shared generator (the same numbers on every rank, which keeps the generators in step),
    # so a 2-process run is a valid run of the same budget but not bit-identical to one process.

    def _mine(self, *tensors: torch.Tensor | None) -> tuple:
        rank, world = self.dist.rank, self.dist.world_size
        return tuple(t if t is None or world == 1 else t.tensor_split(world)[rank] for t in tensors)

    def _average_grads(self, params: list[torch.nn.Parameter]) -> None:
        if self.dist.world_size == 1:
            return
        import torch.distributed as tdist

        grads = [p.grad for p in params if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        tdist.all_reduce(flat)  # one message per step instead of one per tensor
        flat /= self.dist.world_size
        for g, part in zip(grads, flat.split([g.numel() for g in grads])):
            g.copy_(part.view_as(g))

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

    def save(self, path: Path, fingerprint: dict[str, Any] | None = None) -> None:
        """Write everything a resumed run needs (weights, both optimisers, the RNG, step, history, snapshots) to
        `path` atomically, as safetensors with a JSON part: the same format as `Trainer`'s resumable state."""
        import dataclasses

        tensors = {f"gan.{k}": v.detach().contiguous().clone() for k, v in self.gan.state_dict().items()}
        groups = {}
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            t, groups[name] = optimizer_tensors(name, opt)
            tensors.update(t)
        tensors["rng"] = self.gen.get_state()
        for i, (_, a) in enumerate(self.state.snapshots):
            tensors[f"snapshot.{i}"] = torch.from_numpy(np.ascontiguousarray(a))
        st = self.state
        meta = {"format": 1, "fingerprint": fingerprint, "config": dataclasses.asdict(self.cfg), "param_groups": groups,
                "state": {"step": st.step, "parts": st.parts, "history": st.history, "stride": st.stride,
                          "seconds": st.seconds, "snapshot_steps": [s for s, _ in st.snapshots]}}
        write_state(path, tensors, meta)

    def load(self, path: Path, fingerprint: dict[str, Any] | None = None) -> None:
        """Continue from a file written by `save` (ValueError if it is damaged or, given a fingerprint, another
        run's). The total step count may differ: a run can be extended."""
        tensors, meta = read_state(path, fingerprint)
        self.gan.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("gan.")}, strict=True)
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            load_optimizer(opt, name, tensors, meta["param_groups"][name])
        self.gen.set_state(tensors["rng"])
        st = meta["state"]
        snaps = [(int(s), tensors[f"snapshot.{i}"].numpy()) for i, s in enumerate(st["snapshot_steps"])]
        self.state = GANState(step=st["step"], total_steps=self.cfg.steps, parts=st["parts"],
                              history={k: list(v) for k, v in st["history"].items()}, stride=st["stride"],
                              snapshots=snaps, seconds=st["seconds"])
