"""The handout's multilayer perceptron, built only from a `RunConfig`.

The handout (section 2, ``mlp_exp.py``) builds the network from a list of ``(width, activation)``
pairs followed by the output layer; `MLP` keeps that structure. It returns logits: the softmax lives
in the cross-entropy loss.
"""

from __future__ import annotations

import torch
from torch import nn

from mlp_core.config import RunConfig

INPUT_SIZE = 28 * 28
NUM_CLASSES = 10

ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


class MLP(nn.Module):
    """784 -> hidden[0] -> ... -> hidden[-1] -> 10, an activation after each hidden layer.

    Parameters
    ----------
    config : RunConfig
        Uses ``hidden``, ``activation``, ``dropout`` and ``input_dropout``.

    Examples
    --------
    >>> model = MLP(RunConfig(hidden=(500, 300)))
    >>> model(torch.zeros(2, 784)).shape
    torch.Size([2, 10])
    """

    def __init__(self, config: RunConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if config.input_dropout > 0:
            layers.append(nn.Dropout(config.input_dropout))
        width_in = INPUT_SIZE
        for width_out in config.hidden:
            layers.append(nn.Linear(width_in, width_out))
            layers.append(ACTIVATION_MODULES[config.activation]())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width_in = width_out
        layers.append(nn.Linear(width_in, NUM_CLASSES))
        self.layers = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (batch, 10) of images (batch, 784) or (batch, 28, 28), float in [0, 1]."""
        return self.layers(images.reshape(images.shape[0], INPUT_SIZE))


def build_model(config: RunConfig, device: torch.device | str = "cpu") -> MLP:
    """The MLP of ``config`` with weights drawn from ``torch.manual_seed(config.seed)``."""
    torch.manual_seed(config.seed)
    return MLP(config).to(device)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
