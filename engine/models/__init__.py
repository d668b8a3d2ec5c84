"""Model families. Importing this package registers every family in `engine.registry.MODELS`."""

from engine.models import conv1d_ae, conv_ae, conv_vae, ffdnet, mlp_ae, unet1d, vae  # noqa: F401  (registrations)
from engine.models.layers import AEOutput, Autoencoder

__all__ = ["AEOutput", "Autoencoder"]
