"""`cnn-classifier`: a small convolutional classifier for RGB images (the galaxy classes).

Four stride-2 3×3 convolutions (64 -> 32 -> 16 -> 8 -> 4) with batch norm, then a `features_dim`-wide fully
connected layer — the penultimate features, which the GAN lab uses as its feature space for precision/recall —
and the class logits. `forward(x, target)` returns a `ClassifierOutput` with the cross-entropy loss, so the
shared `Trainer` trains it like any autoencoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.registry import register_model


@dataclass
class ClassifierConfig:
    input_shape: tuple[int, ...] = (3, 64, 64)
    channels: tuple[int, ...] = (16, 32, 64, 64)
    features_dim: int = 128
    n_classes: int = 3
    dropout: float = 0.1

    def __post_init__(self) -> None:
        self.input_shape, self.channels = tuple(self.input_shape), tuple(self.channels)
        c, h, w = self.input_shape
        f = 2 ** len(self.channels)
        if h % f or w % f:
            raise ValueError(f"cnn-classifier needs sides divisible by {f}, got {self.input_shape}.")


@dataclass
class ClassifierOutput:
    logits: torch.Tensor
    features: torch.Tensor
    loss: torch.Tensor
    parts: dict[str, float] | None = None


@register_model("cnn-classifier")
class CNNClassifier(nn.Module):
    Config = ClassifierConfig

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.cfg = cfg
        self.input_shape = tuple(cfg.input_shape)
        layers, c_in = [], cfg.input_shape[0]
        for c in cfg.channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.BatchNorm2d(c), nn.SiLU()]
            c_in = c
        self.conv = nn.Sequential(*layers)
        f = 2 ** len(cfg.channels)
        n_flat = c_in * (cfg.input_shape[1] // f) * (cfg.input_shape[2] // f)
        self.to_features = nn.Sequential(nn.Flatten(), nn.Dropout(cfg.dropout), nn.Linear(n_flat, cfg.features_dim),
                                         nn.SiLU())
        self.head = nn.Linear(cfg.features_dim, cfg.n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations (B, features_dim): the feature space for precision/recall."""
        return self.to_features(self.conv(x.reshape(len(x), *self.input_shape)))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> ClassifierOutput:
        feats = self.features(x)
        logits = self.head(feats)
        loss = F.cross_entropy(logits, target)
        acc = float((logits.argmax(1) == target).float().mean())
        return ClassifierOutput(logits=logits, features=feats, loss=loss, parts={"ce": float(loss.detach()),
                                                                                  "acc": acc})
