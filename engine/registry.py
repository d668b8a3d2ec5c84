"""The two tables everything dispatches on: model families by name, experiments by name.

A model family registers itself with `@register_model("name")`; a lab file in `engine/experiments/` registers its
experiments with `register_experiment(Experiment(...))`. Loading a checkpoint looks the family up by the `"model"`
key of its card, so there is never an `if name == ...` chain.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

MODELS: dict[str, type] = {}
EVAL_SEED = 1234  # noise seed of `eval` and of the metrics in the cards; tests draw with other seeds
EXPERIMENTS: dict[str, "Experiment"] = {}
# Benchmarks that need no shipped checkpoint (e.g. the toy GAN, trained from scratch inside the bench):
# name -> fn(quick: bool) -> report dict with "rows" (a table) and optional "table" (its title).
BENCHES: dict[str, Callable[..., dict]] = {}


def register_bench(name: str, fn: Callable[..., dict]) -> Callable[..., dict]:
    """Make `python -m engine bench NAME` run `fn(quick=...)`, a benchmark that trains what it measures."""
    if name in BENCHES or name in EXPERIMENTS:
        raise ValueError(f"Bench {name!r} registered twice")
    BENCHES[name] = fn
    return fn


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator: make a model family buildable by name. The class must define a dataclass `Config`."""

    def deco(cls: type) -> type:
        if name in MODELS:
            raise ValueError(f"Model family {name!r} registered twice")
        cls.family = name
        MODELS[name] = cls
        return cls

    return deco


def build_model(family: str, config: dict[str, Any] | Any):
    """Instantiate a registered family from its config (a dict, as stored in a card, or the Config itself)."""
    if family not in MODELS:
        raise ValueError(f"Unknown model family {family!r}; known: {', '.join(sorted(MODELS))}")
    cls = MODELS[family]
    cfg = config if isinstance(config, cls.Config) else cls.Config(**config)
    return cls(cfg)


@dataclass(frozen=True)
class Bar:
    """A quality bar a shipped checkpoint must meet: `metric op value`, e.g. Bar("exact_rate_sp10", ">=", 0.95)."""

    metric: str
    op: str  # ">=", "<=" or "=="
    value: float
    # A metric only some installs can measure (the photo denoiser against BM3D, an optional package): when it is
    # absent the bar is not judged (`judged` is False) rather than failed; a required metric absent is a KeyError.
    optional: bool = False

    def judged(self, metrics: dict[str, float]) -> bool:
        """False only for an optional bar whose metric this run did not measure."""
        return not self.optional or self.metric in metrics

    def holds(self, metrics: dict[str, float]) -> bool:
        """True when met, or when an optional metric was not measured (see `judged`)."""
        if not self.judged(metrics):
            return True
        v = metrics[self.metric]
        return {">=": v >= self.value, "<=": v <= self.value, "==": v == self.value}[self.op]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Experiment:
    """Everything needed to train, evaluate and show one model: data, configs, the eval behind its card.

    `batches(cfg, rng)` yields one epoch of `(input, target)` tensors; `evaluate(model, seed)` returns the
    card's metrics measured on freshly drawn held-out data; `bench(model)` returns a report dict (baselines in the
    same run); `extras(model)` returns arrays precomputed at training time and shipped beside the weights.
    For the pages: `render(x)` turns inputs/decodings (N, *input_shape) into uint8 pictures, `map_points()` gives
    the training items drawn on a latent map (images, labels), `nearest(x)` the closest training item to each
    image (pixels differing, label).
    """

    name: str
    lab: str
    title: str
    description: str
    family: str
    model_config: Any
    train_config: Any
    batches: Callable[[Any, Any], Iterable]
    evaluate: Callable[[Any, int], dict[str, float]]
    data_fingerprint: Callable[[], str]
    input_shape: tuple[int, ...]
    headline: str
    bars: tuple[Bar, ...] = ()
    bench: Callable[[Any], dict] | None = None
    extras: Callable[[Any], dict] | None = None
    render: Callable[[Any], Any] | None = None
    render_grid: bool = False  # draw pixel cells when showing single items (tiny glyphs)
    map_points: Callable[[], tuple[Any, list[str]]] | None = None
    nearest: Callable[[Any], tuple[Any, list[str]]] | None = None
    # `python -m engine train NAME --data PATH`: point the lab's loader at a user's dataset before training.
    # Raises ValueError with a clear message for a wrong path or format. None: the lab generates its data.
    use_data: Callable[[str], None] | None = None
    # What the model was trained on, written into the card as `training_data` (e.g. the pictures and their
    # sampling weights), for labs whose data a fingerprint alone does not describe to a reader.
    data_manifest: Callable[[], dict] | None = None
    # A training loop of its own instead of the Trainer (GANs): `fit(model, train_config, callbacks)` returns
    # {"step": generator steps, "history": [loss per logged step], "extras": {name: array}} and leaves the model
    # trained; `batches` is then unused (None).
    fit: Callable[[Any, Any, list], dict] | None = None
    # How the weights are stored: "float32", or "float16" to halve a big model's file (loaded back as float32).
    storage_dtype: str = "float32"
    # A from-scratch run starts from this other experiment's shipped weights (same architecture): a fine-tune for
    # a new kind of data (the camera-noise denoiser starts from the Gaussian one). The card records which weights.
    warm_start: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def model_config_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self.model_config)


def register_experiment(exp: Experiment) -> Experiment:
    if exp.name in EXPERIMENTS:
        raise ValueError(f"Experiment {exp.name!r} registered twice")
    EXPERIMENTS[exp.name] = exp
    return exp


def get_experiment(name: str) -> Experiment:
    """Look a registered experiment up by name; an unknown name gets a message listing the known ones.
    Only what has been imported is registered: callers that need the whole catalogue import `engine.experiments`
    (whose `get_experiment` and `all_experiments` are these, after registering every lab)."""
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Known experiments: {', '.join(sorted(EXPERIMENTS))}.")
    return EXPERIMENTS[name]


def all_experiments() -> list[Experiment]:
    """Every registered experiment, in registration order."""
    return list(EXPERIMENTS.values())
