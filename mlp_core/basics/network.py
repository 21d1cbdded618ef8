"""The handout's section 1.4 network: `NeuralNetwork`, with editable hidden widths.

The handout's class (``flatten`` + ``linear_relu_stack``, so parameter names read
``linear_relu_stack.0.weight`` as in the handout); page 1.4 shows its source and section 1.6's loop
(`mlp_core.basics.playground`) trains it.
"""

from __future__ import annotations

import torch
from torch import nn


class NeuralNetwork(nn.Module):
    """The handout's network: Flatten, then Linear/ReLU pairs, then Linear to 10 logits.

    Parameters
    ----------
    hidden : tuple of int
        Hidden widths; the handout's is ``(512, 512)``, i.e. 784-512-512-10.

    Examples
    --------
    >>> NeuralNetwork((512, 512))(torch.rand(3, 28, 28)).shape
    torch.Size([3, 10])
    """

    def __init__(self, hidden: tuple[int, ...] = (512, 512)) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        layers: list[nn.Module] = []
        width_in = 28 * 28
        for width_out in hidden:
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
            width_in = width_out
        layers.append(nn.Linear(width_in, 10))
        self.linear_relu_stack = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (batch, 10) of images (batch, 28, 28) or (batch, 1, 28, 28)."""
        x = self.flatten(x)
        return self.linear_relu_stack(x)
