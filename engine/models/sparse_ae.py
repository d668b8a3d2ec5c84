"""`sparse-ae-set`: overcomplete sparse autoencoders on 28x28 digits, one per L1 penalty strength, in one checkpoint.

Each member is the classic one-layer sparse autoencoder (Ng's CS294A notes; the SAE of dictionary learning):
code z = ReLU(W_e x + b_e) with more units than a digit needs, reconstruction x' = W_d z + b_d, and the loss
||x' - x||^2 + lambda * sum|z|. The decoder's columns (the "features") are kept at unit norm: otherwise the
penalty is dodged by shrinking z and growing W_d, and no unit would ever really switch off. A ReLU code gives exact
zeros, so "active" means z > 0 with no threshold to tune.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput, Autoencoder
from engine.registry import register_model


class SparseAE(nn.Module):
    """One member: a linear encoder with a ReLU, and a linear decoder whose feature columns have unit norm."""

    def __init__(self, n_in: int, units: int):
        super().__init__()
        self.enc = nn.Linear(n_in, units)
        # Tied start (encoder = decoder transposed, zero bias): every unit begins as a detector of its own
        # feature, so fewer of them die in the first steps, when the penalty outpulls a still-random feature.
        self.dec_weight = nn.Parameter(F.normalize(torch.randn(n_in, units), dim=0))
        with torch.no_grad():
            self.enc.weight.copy_(self.dec_weight.T)
            self.enc.bias.zero_()
        self.dec_bias = nn.Parameter(torch.zeros(n_in))

    def features(self) -> torch.Tensor:
        """(n_in, units): each unit's decoder image, normalised to unit length."""
        return F.normalize(self.dec_weight, dim=0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.enc(x.reshape(len(x), -1)))

    def decode_flat(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.features().T + self.dec_bias


@dataclass
class SparseAESetConfig:
    input_shape: tuple[int, ...] = (28, 28)
    units: int = 128  # code units (overcomplete for digits: PCA needs ~40 components for 90 % of the variance)
    strengths: tuple[float, ...] = (0.0, 0.1, 0.3, 1.0)  # L1 weight lambda of each member
    default: int = -1  # index of the member encode/decode use (the strongest penalty)
    l1_warmup: int = 600  # training steps over which lambda ramps up from 0 (units learn a feature first)

    def __post_init__(self) -> None:
        self.input_shape = tuple(self.input_shape)
        self.strengths = tuple(float(s) for s in self.strengths)
        if not self.strengths or any(s < 0 for s in self.strengths):
            raise ValueError("strengths must be a non-empty list of L1 weights >= 0.")

    @property
    def latent_dim(self) -> int:
        return self.units


@register_model("sparse-ae-set")
class SparseAESet(Autoencoder):
    """Several sparse AEs sharing a checkpoint and the training batches; loss = the sum of theirs."""

    Config = SparseAESetConfig

    def __init__(self, cfg: SparseAESetConfig):
        super().__init__(cfg)
        self.members = nn.ModuleList([SparseAE(self.n_in, cfg.units) for _ in cfg.strengths])
        self.register_buffer("step", torch.zeros((), dtype=torch.long), persistent=False)  # for the L1 ramp

    def member(self, i: int) -> SparseAE:
        if not -len(self.members) <= int(i) < len(self.members):
            raise ValueError(f"No member {i}; there are {len(self.members)} penalty strengths.")
        return self.members[int(i)]

    def encode(self, x: torch.Tensor, i: int | None = None) -> torch.Tensor:
        return self.member(self.cfg.default if i is None else i).encode(x)

    def decode_logits(self, z: torch.Tensor, i: int | None = None) -> torch.Tensor:
        # The decoder is linear on the pixel scale; the base class' sigmoid expects logits, so invert it safely.
        p = self.member(self.cfg.default if i is None else i).decode_flat(z).clamp(1e-4, 1 - 1e-4)
        return torch.log(p) - torch.log1p(-p)

    def reconstruct_i(self, x: torch.Tensor, i: int) -> torch.Tensor:
        m = self.member(i)
        return m.decode_flat(m.encode(x)).reshape(x.shape)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        target = (x if target is None else target).reshape(len(x), -1)
        total, parts, recon, z = 0.0, {}, None, None
        default = self.cfg.default % len(self.members)
        ramp = min(1.0, float(self.step) / self.cfg.l1_warmup) if self.cfg.l1_warmup > 0 else 1.0
        if self.training:
            self.step += 1
        for i, (lam, m) in enumerate(zip(self.cfg.strengths, self.members)):
            zi = m.encode(x)
            xi = m.decode_flat(zi)
            mse = ((xi - target) ** 2).sum(1).mean()  # summed over pixels: lambda's scale does not depend on size
            total = total + mse + ramp * lam * zi.sum(1).mean()  # zi >= 0, so its sum is its L1 norm
            parts[f"mse_{i}"] = float(mse.detach()) / xi.shape[1]
            parts[f"active_{i}"] = float((zi > 0).float().sum(1).mean())
            if i == default:
                recon, z = xi.reshape(x.shape), zi
        return AEOutput(recon=recon, z=z, loss=total, parts=parts)
