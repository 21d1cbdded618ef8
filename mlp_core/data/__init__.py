"""Data: the MNIST and Fashion-MNIST files, their verification, the tensors and splits, uploads.

Imports only `mlp_core.config` (and torch/torchvision where tensors are made).
"""
