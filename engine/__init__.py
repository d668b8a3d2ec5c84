"""Autoencoder latent-space explorer engine. The public API is `engine.api`; nothing heavy happens at import."""
