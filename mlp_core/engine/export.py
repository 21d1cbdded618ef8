"""The trained weights a run hands to its result, as NumPy arrays (`mlp_core.weights.ModelWeights`).

Read once, after training, from the weights the run keeps: nothing here touches the training.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.engine.stack import Stack
from mlp_core.weights import ModelWeights


def _array(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).numpy().copy()


def model_weights(model: nn.Module, config: RunConfig) -> ModelWeights:
    """The float32 weights of an `mlp_core.engine.model.MLP` (its linear layers, input to output)."""
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    layers = tuple((_array(linear.weight), _array(linear.bias)) for linear in linears)
    return ModelWeights(config.activation, layers)


def stack_weights(stack: Stack, flat_row: torch.Tensor, config: RunConfig) -> ModelWeights:
    """The float32 weights of one model of a stack: its row of ``flat`` (weights,) without the
    padding (the corner of each parameter that its own widths span)."""
    parameters = stack.parameters(flat_row)
    widths = (784, *config.hidden, 10)
    layers = []
    for depth, (weight_name, bias_name) in enumerate(stack.linears):
        rows, columns = widths[depth + 1], widths[depth]
        layers.append(
            (_array(parameters[weight_name][:rows, :columns]), _array(parameters[bias_name][:rows]))
        )
    return ModelWeights(config.activation, tuple(layers))
