"""A stack of MLPs in one tensor: which runs can share one, its layout, forward and evaluation.

Runs that share the data, the depth, the batch size, the epochs, the schedule and the stopping rule
can train together; seed, learning rate, optimizer and activation may differ per model, and so may
the hidden widths when padding is allowed. All weights live in one flat tensor of shape
(models, weights); `Stack.parameters` views it as stacked parameters (models, *shape), and
`Stack.logits` runs the handout's MLP on them with one batched matrix product per layer (``baddbmm``;
``torch.func.vmap`` over the module did the same 1.4x slower on the CPU). Models are kept sorted by
(activation, optimizer), so each activation and each optimizer owns a contiguous block of rows: one
batched forward per activation, one optimizer update per optimizer.

Padding: a model narrower than the stack's widest has zero weights in and out of its extra units,
and `Stack.mask` zeroes their gradients, so they never change and never contribute (exactly, up to
the summation order of the matrix products). It costs arithmetic: worth it on a GPU, which small
models leave idle, not on a CPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.engine.model import ACTIVATION_MODULES, MLP, build_model

#: Fields that may differ between the models of a stack (``hidden`` too, in its widths, if padding).
PER_MODEL_FIELDS = ("seed", "learning_rate", "optimizer", "activation")
#: Floats per evaluation chunk of the whole stack (models x images x widest layer): ~200 MB.
EVAL_FLOATS = 50_000_000


def stack_key(config: RunConfig, pad: bool = False) -> tuple[Any, ...] | None:
    """Configs with equal keys can train in one stack; None if ``config`` cannot be stacked.

    Dropout runs cannot: their random masks would not be those `mlp_core.engine.train.train` draws.
    """
    if config.dropout > 0 or config.input_dropout > 0:
        return None
    values = {k: v for k, v in config.to_dict().items() if k not in PER_MODEL_FIELDS}
    values["hidden"] = len(config.hidden) if pad else tuple(config.hidden)
    return tuple(sorted(values.items()))


def group_configs(
    configs: Sequence[RunConfig], pad: bool = False, max_stack: int = 32
) -> list[list[RunConfig]]:
    """Split ``configs`` into stacks of at most ``max_stack`` (unstackable ones alone).

    Stacks follow the order in which their first member appears. With ``pad``, members are sorted by
    width first, so a stack pads its narrow models little.
    """
    if max_stack < 1:
        raise ValueError(f"invalid max_stack={max_stack!r}: must be >= 1")
    groups: dict[Any, list[RunConfig]] = {}
    for index, config in enumerate(configs):
        key = stack_key(config, pad)
        groups.setdefault(key if key is not None else ("alone", index), []).append(config)
    stacks = []
    for members in groups.values():
        if pad:
            members = sorted(members, key=lambda config: config.hidden)
        stacks += [
            members[start : start + max_stack] for start in range(0, len(members), max_stack)
        ]
    return stacks


def blocks(values: Sequence[str]) -> list[tuple[str, int, int]]:
    """Runs of equal values as (value, start, stop): ``["a", "a", "b"]`` -> a 0..2, b 2..3."""
    found: list[tuple[str, int, int]] = []
    for index, value in enumerate(values):
        if found and found[-1][0] == value:
            found[-1] = (value, found[-1][1], index + 1)
        else:
            found.append((value, index, index + 1))
    return found


class Stack:
    """The weights of ``configs`` (sorted by activation then optimizer) in one flat tensor.

    Attributes
    ----------
    flat : Tensor, shape (models, weights)
        Every weight of every model (updated in place by the optimizers).
    leaves : dict of str to Tensor
        The parameters (models, *shape) as views of ``flat`` that require grad: autograd gives
        one gradient per parameter, without the zero-filled full-size copies that gradients taken
        through slices of ``flat`` would cost.
    mask : dict of str to Tensor, or None
        Per parameter (models, *shape): 1 for real weights, 0 for padding; None when no model is
        padded.
    activations, optimizers : list of (name, start, stop)
        The row blocks of each activation and each optimizer.
    """

    def __init__(self, configs: Sequence[RunConfig], device: torch.device) -> None:
        order = [(c.activation, c.optimizer) for c in configs]
        if order != sorted(order):
            raise ValueError("a stack's configs must be sorted by (activation, optimizer)")
        depth = len(configs[0].hidden)
        widths = tuple(max(config.hidden[layer] for config in configs) for layer in range(depth))
        self.template = replace(configs[0], hidden=widths)
        self.activations = blocks([config.activation for config in configs])
        self.optimizers = blocks([config.optimizer for config in configs])
        # Structure only (meta tensors): the parameter names and shapes of the widest model.
        module = MLP(self.template).to("meta")
        self.shapes = {name: tuple(p.shape) for name, p in module.named_parameters()}
        names = list(self.shapes)
        self.linears = list(zip(names[0::2], names[1::2], strict=True))  # (weight, bias) names
        sizes = [math.prod(shape) for shape in self.shapes.values()]
        self.offsets = dict(zip(self.shapes, _starts(sizes), strict=True))
        self.flat = torch.zeros(len(configs), sum(sizes), device=device)
        mask = torch.zeros_like(self.flat)
        for row, config in enumerate(configs):
            for name, parameter in build_model(config, device).named_parameters():
                corner = tuple(slice(0, size) for size in parameter.shape)
                self._view(self.flat[row], name)[corner] = parameter.detach()
                self._view(mask[row], name)[corner] = 1.0
        # Per parameter, shaped like its gradient: (models, *shape).
        self.mask = None if bool(mask.all()) else self.parameters(mask)
        self.leaves = {
            name: view.detach().requires_grad_(True) for name, view in self.parameters().items()
        }

    def _view(self, flat: torch.Tensor, name: str) -> torch.Tensor:
        """Parameter ``name`` of ``flat`` (models, weights) or of one row (weights,)."""
        start = self.offsets[name]
        part = flat[..., start : start + math.prod(self.shapes[name])]
        return part.reshape(*flat.shape[:-1], *self.shapes[name])

    def parameters(self, flat: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Views of ``flat`` (default: the weights) as stacked parameters (models, *shape)."""
        source = self.flat if flat is None else flat
        return {name: self._view(source, name) for name in self.shapes}

    def logits(self, parameters: dict[str, torch.Tensor], images: torch.Tensor) -> torch.Tensor:
        """(models, batch, 10) logits of images (models, batch, 784), or (batch, 784) shared.

        The handout's MLP written out for a stack: per layer one batched matrix product with the
        bias (``baddbmm``), then the activation module of the block's models.
        """
        shared = images.dim() == 2
        outputs = []
        for activation, start, stop in self.activations:
            activate = ACTIVATION_MODULES[activation]()
            if start == 0 and stop == self.flat.shape[0]:  # the whole stack: a slice, even a full
                block, hidden = parameters, images  # one, would zero-fill in the backward pass
            else:
                block = {name: value[start:stop] for name, value in parameters.items()}
                hidden = images if shared else images[start:stop]
            for depth, (weight_name, bias_name) in enumerate(self.linears):
                weight, bias = block[weight_name], block[bias_name]
                if hidden.dim() == 2:  # inputs shared by every model: one broadcast product
                    hidden = torch.matmul(hidden, weight.transpose(1, 2)) + bias.unsqueeze(1)
                else:
                    hidden = torch.baddbmm(bias.unsqueeze(1), hidden, weight.transpose(1, 2))
                if depth < len(self.linears) - 1:
                    hidden = activate(hidden)
            outputs.append(hidden)
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def _starts(sizes: Sequence[int]) -> list[int]:
    """Start offset of each of ``sizes`` laid end to end."""
    return [sum(sizes[:index]) for index in range(len(sizes))]


@torch.inference_mode()
def evaluate_stack(
    stack: Stack, flat: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """`mlp_core.engine.train.evaluate` for every model of ``flat`` at once.

    Returns
    -------
    errors : (models,) int64; mean cross-entropy : (models,); predictions, confidence : (models, n)
    """
    models, size = flat.shape[0], features.shape[0]
    chunk = max(256, EVAL_FLOATS // (models * max((10, *stack.template.hidden))))
    parameters = stack.parameters(flat)
    errors = torch.zeros(models, dtype=torch.long, device=flat.device)
    loss_sum = torch.zeros(models, device=flat.device)
    predictions, confidences = [], []
    for start in range(0, size, chunk):
        logits = stack.logits(parameters, features[start : start + chunk])  # (models, n, 10)
        target = labels[start : start + chunk].expand(models, -1)
        losses = nn.functional.cross_entropy(
            logits.flatten(0, 1), target.flatten(), reduction="none"
        )
        loss_sum += losses.view(models, -1).sum(dim=1)
        confidence, predicted = logits.softmax(dim=2).max(dim=2)
        errors += (predicted != target).sum(dim=1)
        predictions.append(predicted)
        confidences.append(confidence)
    return errors, loss_sum / size, torch.cat(predictions, dim=1), torch.cat(confidences, dim=1)
