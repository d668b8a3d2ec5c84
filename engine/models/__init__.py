"""Model families. Importing this package registers every family in `engine.registry.MODELS`."""

from engine.models import (  # noqa: F401  (registrations)
    cnn_classifier,
    colorize,
    conv1d_ae,
    conv_ae,
    conv_vae,
    conv_vae_rgb,
    dcgan,
    ffdnet,
    masked_ae,
    mlp_ae,
    sparse_ae,
    toy_gan,
    unet1d,
    vae,
)
from engine.models.layers import AEOutput, Autoencoder

__all__ = ["AEOutput", "Autoencoder"]
