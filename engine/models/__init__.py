"""Model families. Importing this package registers every family in `engine.registry.MODELS`."""

from engine.models import conv1d_ae, mlp_ae, unet1d, vae  # noqa: F401  (imported for their @register_model side effect)
from engine.models.layers import AEOutput, Autoencoder

__all__ = ["AEOutput", "Autoencoder"]
