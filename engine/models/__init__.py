"""Model families. Importing this package registers every family in `engine.registry.MODELS`."""

from engine.models import ffdnet, mlp_ae, vae  # noqa: F401  (imported for their @register_model side effect)
from engine.models.layers import AEOutput, Autoencoder

__all__ = ["AEOutput", "Autoencoder"]
