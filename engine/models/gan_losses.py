"""GAN objectives shared by the toy GAN and the galaxy GANs, registered by name in LOSSES.

Each loss gives the critic's loss on a (real, fake) pair and the generator's loss on fakes. A critic returns a
score per item (B,), or `(score, class_logits)` for ACGAN. Conventions: the critic scores real data high.
- "gan": Goodfellow et al. 2014 with the non-saturating generator loss (-log D(G(z))), on logits.
- "acgan": Odena et al. 2017: the "gan" loss plus cross-entropy of the class head on real and fake items. The class
  head outputs logits that go straight into cross_entropy (a well-known public version applies a softmax first,
  which squashes the gradients).
- "wgan-gp": Gulrajani et al. 2017: E[D(fake)] - E[D(real)] + lambda * E[(|grad D(x_hat)| - 1)^2] at random
  interpolates x_hat between paired real and fake items.
- "wgan-div": Wu et al. 2018: E[D(fake)] - E[D(real)] + (k/2) * E[|grad D(real)|^p + |grad D(fake)|^p], the penalty
  taken at the real and the fake points themselves (no interpolation), k=2, p=6 as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _score(out):
    return out[0] if isinstance(out, tuple) else out


def _grad_norm(critic, x: torch.Tensor) -> torch.Tensor:
    """|d critic(x) / dx| per item, kept in the graph (create_graph) so the penalty trains the critic."""
    x = x.detach().requires_grad_(True)
    s = _score(critic(x))
    (g,) = torch.autograd.grad(s.sum(), x, create_graph=True)
    return g.reshape(len(x), -1).norm(dim=1)


@dataclass
class GANLoss:
    """Non-saturating GAN on logits: the critic is a classifier, D(x) = sigmoid(score)."""

    name: str = "gan"
    wasserstein = False  # the page shows sigmoid(score) as "probability real" for these, raw score for critics

    def critic_loss(self, critic, real, fake, gen: torch.Generator | None = None,
                    labels=None) -> tuple[torch.Tensor, dict]:
        """The critic's loss on a batch; `labels` = (y_real, y_fake) for conditional losses, else ignored."""
        sr, sf = _score(critic(real)), _score(critic(fake))
        loss = F.softplus(-sr).mean() + F.softplus(sf).mean()  # -log D(real) - log(1 - D(fake))
        return loss, {"d_loss": float(loss.detach())}

    def generator_loss(self, critic, fake, labels=None) -> tuple[torch.Tensor, dict]:
        loss = F.softplus(-_score(critic(fake))).mean()  # -log D(G(z)): strong gradients while D wins
        return loss, {"g_loss": float(loss.detach())}


class _Wasserstein(GANLoss):
    """The Wasserstein critic objective; subclasses give the penalty and its weight."""

    wasserstein = True

    def penalty(self, critic, real, fake, gen: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def weight(self) -> float:
        raise NotImplementedError

    def critic_loss(self, critic, real, fake, gen=None, labels=None):
        w = _score(critic(fake)).mean() - _score(critic(real)).mean()
        pen = self.penalty(critic, real, fake, gen)
        loss = w + self.weight() * pen
        return loss, {"d_loss": float(loss.detach()), "w_dist": float(-w.detach()), "penalty": float(pen.detach())}

    def generator_loss(self, critic, fake, labels=None):
        loss = -_score(critic(fake)).mean()
        return loss, {"g_loss": float(loss.detach())}


@dataclass
class WGANGP(_Wasserstein):
    name: str = "wgan-gp"
    lam: float = 10.0

    def weight(self) -> float:
        return self.lam

    def penalty(self, critic, real, fake, gen=None) -> torch.Tensor:
        # One interpolate per pair, eps ~ U[0, 1] (the paper's Algorithm 1).
        eps = torch.rand(len(real), *([1] * (real.dim() - 1)), generator=gen)
        x_hat = eps * real.detach() + (1 - eps) * fake.detach()
        return ((_grad_norm(critic, x_hat) - 1) ** 2).mean()


@dataclass
class WGANDiv(_Wasserstein):
    name: str = "wgan-div"
    k: float = 2.0
    p: float = 6.0

    def weight(self) -> float:
        return self.k

    def penalty(self, critic, real, fake, gen=None) -> torch.Tensor:
        # (1/2) E[|grad|^p] at real + at fake; times k gives the (k/2)(...) of the paper's public code.
        return 0.5 * (_grad_norm(critic, real).pow(self.p).mean() + _grad_norm(critic, fake).pow(self.p).mean())


@dataclass
class ACGAN(GANLoss):
    """GANLoss plus the auxiliary classifier: both networks also minimise the class cross-entropy (on logits) of
    the critic's class head, the critic on real and fake items, the generator on its fakes."""

    name: str = "acgan"
    class_weight: float = 1.0

    def critic_loss(self, critic, real, fake, gen=None, labels=None):
        if labels is None or labels[0] is None:
            raise ValueError("ACGAN needs class labels for real and fake items.")
        (sr, cr), (sf, cf) = critic(real), critic(fake)
        adv = F.softplus(-sr).mean() + F.softplus(sf).mean()
        ce = F.cross_entropy(cr, labels[0]) + F.cross_entropy(cf, labels[1])
        loss = adv + self.class_weight * ce
        acc = float((cr.argmax(1) == labels[0]).float().mean())
        return loss, {"d_loss": float(adv.detach()), "class_ce": float(ce.detach()), "real_class_acc": acc}

    def generator_loss(self, critic, fake, labels=None):
        if labels is None:
            raise ValueError("ACGAN needs the class of each fake.")
        sf, cf = critic(fake)
        adv = F.softplus(-sf).mean()
        ce = F.cross_entropy(cf, labels)
        return adv + self.class_weight * ce, {"g_loss": float(adv.detach()), "g_class_ce": float(ce.detach())}


LOSSES: dict[str, type[GANLoss]] = {"gan": GANLoss, "wgan-gp": WGANGP, "wgan-div": WGANDiv}
ALL_LOSSES: dict[str, type[GANLoss]] = {**LOSSES, "acgan": ACGAN}  # LOSSES: the unconditional ones (toy page)


def make_loss(name: str, **params) -> GANLoss:
    """The loss `name` with its hyper-parameters (lam for wgan-gp; k, p for wgan-div); unknown names or
    parameters raise ValueError."""
    if name not in ALL_LOSSES:
        raise ValueError(f"Unknown GAN loss {name!r}; choose one of {', '.join(ALL_LOSSES)}.")
    try:
        return ALL_LOSSES[name](**params)
    except TypeError as e:
        raise ValueError(f"Bad parameters for the {name} loss: {e}") from None
