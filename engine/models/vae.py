"""`mlp-vae`: a variational autoencoder (Kingma & Welling) with fully connected encoder and decoder."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput, Autoencoder, mlp
from engine.registry import register_model


@dataclass
class VAEConfig:
    input_shape: tuple[int, ...]
    hidden: tuple[int, ...] = (256, 128)
    latent_dim: int = 2
    beta: float = 1.0  # weight of the KL term: > 1 smoother, more "generative" maps; < 1 sharper reconstructions
    recon: str = "bce"  # reconstruction term: "bce" (Bernoulli decoder) or "mse" (summed squared error, the
    # Gaussian decoder of the galaxy seed; per pixel it is weaker than BCE, so the KL weighs relatively more)

    def __post_init__(self) -> None:
        self.input_shape, self.hidden = tuple(self.input_shape), tuple(self.hidden)
        if self.recon not in ("bce", "mse"):
            raise ValueError(f"recon must be 'bce' or 'mse', not {self.recon!r}.")


class GaussianVAE(Autoencoder):
    """What every VAE family shares: a Gaussian posterior N(mu, exp(logvar)) from `stats`, a Bernoulli decoder
    (`decode_logits`), the N(0, I) prior, and the beta-weighted ELBO loss. Subclasses give `stats` and
    `decode_logits`, and may change `kl_weight` (e.g. a warm-up)."""

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean: the deterministic code used for maps, interpolation and nearest neighbours."""
        return self.stats(x)[0]

    def kl_weight(self) -> float:
        return self.cfg.beta

    def sample(self, n: int, generator: torch.Generator | None = None,
               prior: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """Decode `n` draws from the prior N(0, I) or, given `prior` = (weights (K,), means (K, latent), Cholesky
        factors of the covariances (K, latent, latent)), from that Gaussian mixture: a prior fitted after training
        (galaxies' `fit_latent_prior`). Deterministic given the generator's state."""
        if prior is None:
            return self.decode(torch.randn(n, self.latent_dim, generator=generator))
        weights, means, tril = prior
        k = torch.multinomial(weights.double(), n, replacement=True, generator=generator)
        eps = torch.randn(n, means.shape[1], generator=generator)
        return self.decode(means[k] + torch.einsum("nij,nj->ni", tril[k], eps))

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        target = x if target is None else target
        mu, logvar = self.stats(x)
        # Reparameterisation trick: the noise is outside the graph, so gradients reach mu and logvar.
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        logits = self.decode_logits(z)
        if getattr(self.cfg, "recon", "bce") == "mse":
            rec = F.mse_loss(torch.sigmoid(logits), self.flat(target), reduction="sum") / len(x)
        else:
            rec = F.binary_cross_entropy_with_logits(logits, self.flat(target), reduction="sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        loss = rec + self.kl_weight() * kl
        return AEOutput(recon=torch.sigmoid(logits).reshape(x.shape), z=z, loss=loss, mu=mu, logvar=logvar,
                        parts={"recon": float(rec.detach()), "kl": float(kl.detach())})



class WarmupGaussianVAE(GaussianVAE):
    """A GaussianVAE whose KL weight rises linearly from 0 to beta over `cfg.kl_warmup_steps` training steps (the
    conv VAEs): without it a conv decoder can learn to ignore the code before the reconstruction term is learnt."""

    _steps = 0  # training steps seen (not saved: a loaded model is finished); set per instance once training starts

    def kl_weight(self) -> float:
        if self.cfg.kl_warmup_steps <= 0:
            return self.cfg.beta
        return self.cfg.beta * min(1.0, self._steps / self.cfg.kl_warmup_steps)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        weight = self.kl_weight()  # the weight this step's loss uses, before the step counts
        out = super().forward(x, target)
        if self.training:
            self._steps += 1
        out.parts["kl_weight"] = weight
        return out

@register_model("mlp-vae")
class VAE(GaussianVAE):
    Config = VAEConfig

    def __init__(self, cfg: VAEConfig):
        super().__init__(cfg)
        self.body = mlp([self.n_in, *cfg.hidden], last_act=True)
        self.to_stats = nn.Linear(cfg.hidden[-1], 2 * cfg.latent_dim)
        self.decoder = mlp([cfg.latent_dim, *reversed(cfg.hidden), self.n_in])

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.body(self.flat(x))).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)
