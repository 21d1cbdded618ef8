"""Backpropagation through an `MLP` written out by hand, over one flat parameter buffer.

The trainer's hot loop. For the handout's 784-500-300-10 network at batch 100 the matrix products of a
step are about 0.3 GFLOP, a millisecond on two cores; autograd's bookkeeping, allocating fresh
gradients, and an optimizer that loops over six tensors add as much again. Here:

- the model's weights and biases become views into one contiguous buffer, and their gradients into
  another, so the optimizer makes one fused update over one tensor per step;
- the forward pass keeps what the backward pass needs (each layer's input and its activation's
  output, or its input for GELU), and the backward pass calls the same ATen kernels autograd would
  (``mm``, ``sum``, ``threshold_backward``, ``sigmoid_backward``...) writing weight gradients in
  place.

The model stays the handout's `torch.nn.Module`: evaluation, ``state_dict`` and the pages use it as
before, and see every update, because its parameters share the buffer. ``tests/test_backprop.py``
checks the gradients against autograd for every activation, with and without dropout.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from mlp_core.engine.model import MLP

_aten = torch.ops.aten
Forward = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
Backward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _saving_output(function: Callable[[torch.Tensor], torch.Tensor]) -> Forward:
    def forward(pre_activation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = function(pre_activation)
        return output, output

    return forward


def _gelu(pre_activation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return nn.functional.gelu(pre_activation), pre_activation


_MEAN = 1  # ATen's code for reduction="mean"

#: For each activation: (forward, backward). The forward returns (output, what backward needs), the
#: backward maps (gradient of the output, saved) to the gradient of the input. Every forward but GELU
#: works in place and saves its output (the derivative is a function of it).
ACTIVATIONS: dict[str, tuple[Forward, Backward]] = {
    "relu": (_saving_output(torch.relu_), lambda g, out: _aten.threshold_backward(g, out, 0)),
    "sigmoid": (_saving_output(torch.sigmoid_), lambda g, out: _aten.sigmoid_backward(g, out)),
    "tanh": (_saving_output(torch.tanh_), lambda g, out: _aten.tanh_backward(g, out)),
    # nn.LeakyReLU's slope 0.01 and nn.ELU's alpha 1 (the model uses the defaults); their backward
    # kernels accept the output in place of the input ("self_is_result").
    "leaky_relu": (
        _saving_output(lambda z: nn.functional.leaky_relu_(z, 0.01)),
        lambda g, out: _aten.leaky_relu_backward(g, out, 0.01, True),
    ),
    "elu": (
        _saving_output(lambda z: nn.functional.elu_(z, 1.0)),
        lambda g, out: _aten.elu_backward(g, 1.0, 1, 1, True, out),
    ),
    "gelu": (_gelu, lambda g, z: _aten.gelu_backward(g, z, approximate="none")),
}


class Backprop:
    """One model's gradients per batch: forward, cross-entropy, hand-written backward.

    Parameters
    ----------
    model : MLP
        Its parameters are moved into `parameters` (a flat buffer) and keep sharing it.
    activation : str
        Name of the hidden layers' activation (a key of `ACTIVATIONS`).
    dropout, input_dropout : float
        As in `RunConfig`: dropout after each hidden activation, and on the input.

    Attributes
    ----------
    parameters : nn.Parameter
        Every weight and bias, flattened in the model's order; ``parameters.grad`` holds the gradient
        of the last step. Give this one tensor to the optimizer.
    """

    def __init__(
        self, model: MLP, activation: str, dropout: float = 0.0, input_dropout: float = 0.0
    ) -> None:
        linears = [layer for layer in model.layers if isinstance(layer, nn.Linear)]
        tensors = [tensor for linear in linears for tensor in (linear.weight, linear.bias)]
        device = tensors[0].device
        flat = torch.cat([tensor.detach().reshape(-1) for tensor in tensors])
        # Outside autograd: the gradient is written by hand and the optimizer updates it in place.
        self.parameters = nn.Parameter(flat, requires_grad=False)
        self.parameters.grad = torch.zeros_like(flat)
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor] = []
        self.weight_grads: list[torch.Tensor] = []
        self.bias_grads: list[torch.Tensor] = []
        offset = 0
        for linear in linears:
            for tensor, values, grads in (
                (linear.weight, self.weights, self.weight_grads),
                (linear.bias, self.biases, self.bias_grads),
            ):
                size = tensor.numel()
                view = self.parameters.data[offset : offset + size].view(tensor.shape)
                tensor.data = view  # the module now reads and writes the flat buffer
                values.append(view)
                grads.append(self.parameters.grad[offset : offset + size].view(tensor.shape))
                offset += size
        self.activate, self.activation_backward = ACTIVATIONS[activation]
        self.dropout, self.input_dropout = dropout, input_dropout
        self.device = device
        self._one = torch.ones((), device=device)  # d(loss)/d(loss)

    def step_gradients(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Forward and backward over one batch: fills ``parameters.grad``; returns the mean loss.

        Dropout masks come from the global generator, as ``nn.Dropout`` draws them.
        """
        layer_inputs: list[torch.Tensor] = []
        saved: list[torch.Tensor] = []
        masks: list[torch.Tensor | None] = []
        hidden = inputs
        if self.input_dropout > 0:
            hidden = hidden * _dropout_mask(hidden, self.input_dropout)
        last = len(self.weights) - 1
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            layer_inputs.append(hidden)
            pre_activation = torch.addmm(bias, hidden, weight.t())
            if layer == last:
                hidden = pre_activation
                break
            hidden, keep = self.activate(pre_activation)
            saved.append(keep)
            mask = _dropout_mask(hidden, self.dropout) if self.dropout > 0 else None
            masks.append(mask)
            if mask is not None:
                hidden = hidden * mask
        # Cross-entropy and its gradient through the kernels autograd uses for F.cross_entropy.
        log_probs = torch.log_softmax(hidden, dim=1)
        loss, total_weight = _aten.nll_loss_forward(log_probs, labels, None, _MEAN, -100)
        grad = _aten.nll_loss_backward(
            self._one, log_probs, labels, None, _MEAN, -100, total_weight
        )
        grad = _aten._log_softmax_backward_data(grad, log_probs, 1, log_probs.dtype)
        for layer in range(last, -1, -1):
            torch.mm(grad.t(), layer_inputs[layer], out=self.weight_grads[layer])
            torch.sum(grad, dim=0, out=self.bias_grads[layer])
            if layer == 0:
                break
            grad = grad.mm(self.weights[layer])
            mask = masks[layer - 1]
            if mask is not None:
                grad.mul_(mask)
            grad = self.activation_backward(grad, saved[layer - 1])
        return loss


def _dropout_mask(values: torch.Tensor, rate: float) -> torch.Tensor:
    """Keep each unit with probability 1 - rate and scale kept ones by 1 / (1 - rate)."""
    return torch.empty_like(values).bernoulli_(1 - rate).div_(1 - rate)


def fused_adam(
    parameters: list[torch.Tensor],
    grads: list[torch.Tensor],
    exp_avgs: list[torch.Tensor],
    exp_avg_sqs: list[torch.Tensor],
    step: torch.Tensor,
    *,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> None:
    """One Adam (AdamW when ``decoupled``) update of every tensor in ``parameters``, in place.

    PyTorch's fused kernel, the private op ``torch.optim.Adam(fused=True)`` calls; ``step`` is the
    update count after this update (already incremented), shared by all the tensors.
    """
    kernel = torch._fused_adamw_ if decoupled else torch._fused_adam_
    kernel(
        parameters,
        grads,
        exp_avgs,
        exp_avg_sqs,
        [],
        [step] * len(parameters),
        lr=lr,
        beta1=betas[0],
        beta2=betas[1],
        weight_decay=weight_decay,
        eps=eps,
        amsgrad=False,
        maximize=False,
    )


class FlatAdam(torch.optim.Adam):
    """``torch.optim.Adam(fused=True)`` (or AdamW) for one flat tensor, with a lean `update`.

    PyTorch's general ``step`` runs profiling and hook wrappers, groups tensors by device and dtype
    and converts scalars on every call: about 0.1 ms, a tenth of a training step here. `update` makes
    the first step through that path (which creates the state) and later ones by calling the same
    fused kernel directly, so the updates are bitwise PyTorch's (``tests/test_backprop.py``).
    ``step`` still works as in any optimizer.
    """

    def __init__(
        self,
        parameter: nn.Parameter,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        decoupled: bool = False,
    ) -> None:
        super().__init__(
            [parameter],
            lr=lr,
            weight_decay=weight_decay,
            fused=True,
            decoupled_weight_decay=decoupled,
        )
        self.decoupled = decoupled

    def update(self) -> None:
        """One update from ``parameter.grad`` (the parameter must not require grad)."""
        (group,) = self.param_groups
        (parameter,) = group["params"]
        state = self.state[parameter]
        if not state or group["amsgrad"] or group["maximize"]:
            self.step()
            return
        state["step"] += 1
        beta1, beta2 = group["betas"]
        fused_adam(
            [parameter],
            [parameter.grad],
            [state["exp_avg"]],
            [state["exp_avg_sq"]],
            state["step"],
            lr=float(group["lr"]),
            weight_decay=group["weight_decay"],
            decoupled=self.decoupled,
            betas=(float(beta1), float(beta2)),
            eps=group["eps"],
        )
