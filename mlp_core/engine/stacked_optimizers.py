"""The optimizers of `mlp_core.engine.train.make_optimizer`, applied to many models' weights at once.

All models of a stack keep their weights in one flat tensor of shape (models, weights); each model
has its own learning rate, and every state tensor (momentum, moment estimates, accumulators) has the
same shape as the weights, so each model keeps its own optimizer state. Adam and AdamW call the fused
kernel `train` uses (once per distinct learning rate); the others are PyTorch's single-tensor
formulas with their default hyper-parameters, so a stacked step equals the per-model `torch.optim`
step up to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from mlp_core.choices import OPTIMIZERS
from mlp_core.engine.backprop import fused_adam

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
ADAGRAD_EPS = 1e-10
ADADELTA_RHO, ADADELTA_EPS = 0.9, 1e-6
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8
MOMENTUM = 0.9

#: A (models, n) gradient as autograd returns it, per parameter: (column offset, (models, ...) tensor)
#: pairs covering the columns in order.
Gradient = Sequence[tuple[int, torch.Tensor]]


class StackedOptimizer:
    """One optimizer for a stack of models.

    Parameters
    ----------
    optimizer : one of `mlp_core.choices.OPTIMIZERS`
    weights : Tensor, shape (models, n)
        The stacked weights, updated in place by `step`.
    learning_rates : Tensor, shape (models,)
        Initial learning rate of each model.
    weight_decay : float
        L2 penalty added to the gradient (decoupled for ``adamw``), as `torch.optim` does.
    """

    def __init__(
        self,
        optimizer: str,
        weights: torch.Tensor,
        learning_rates: torch.Tensor,
        weight_decay: float,
    ) -> None:
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"invalid optimizer={optimizer!r}: allowed: {', '.join(OPTIMIZERS)}")
        self.optimizer = optimizer
        self.weights = weights
        self.learning_rates = learning_rates.reshape(-1, 1).to(weights)  # (models, 1): broadcasts
        self.weight_decay = weight_decay
        self.steps = 0
        states = {
            "sgd": (),
            "sgd_momentum": ("momentum",),
            "adagrad": ("sum",),
            "adadelta": ("square_avg", "acc_delta"),
            "adam": ("exp_avg", "exp_avg_sq"),
            "adamw": ("exp_avg", "exp_avg_sq"),
            "rmsprop": ("square_avg",),
        }[optimizer]
        self.state = {name: torch.zeros_like(weights) for name in states}
        # Adam and AdamW: PyTorch's fused kernel (CPU and CUDA), as `train` uses.
        self.fused = optimizer in ("adam", "adamw")
        self._step_tensor = torch.zeros((), device=weights.device)
        rates = self.learning_rates.flatten().tolist()
        self._rows_by_rate = {
            rate: [row for row, r in enumerate(rates) if r == rate] for rate in rates
        }
        Views = dict[float, tuple[list[torch.Tensor], ...]]
        self._views: dict[tuple[tuple[int, int], ...], Views] = {}  # by gradient layout

    @torch.no_grad()
    def step(self, parts: Gradient, factor: float = 1.0) -> None:
        """Apply one update; ``factor`` scales every learning rate (the schedule's multiplier).

        The fused path uses the gradient's parts as they are; the others concatenate them.
        """
        self.steps += 1
        if self.fused:
            self._fused_adam(parts, factor)
            return
        gradient = torch.cat([part.reshape(part.shape[0], -1) for _, part in parts], 1)
        weights, state, rate = self.weights, self.state, self.learning_rates * factor
        decay = self.weight_decay
        if decay and self.optimizer != "adamw":
            gradient = gradient.add(weights, alpha=decay)
        if self.optimizer == "sgd":
            weights.sub_(rate * gradient)
        elif self.optimizer == "sgd_momentum":
            buffer = state["momentum"]
            if self.steps == 1:
                buffer.copy_(gradient)
            else:
                buffer.mul_(MOMENTUM).add_(gradient)
            weights.sub_(rate * buffer)
        elif self.optimizer == "adagrad":
            state["sum"].addcmul_(gradient, gradient)
            weights.sub_(rate * (gradient / state["sum"].sqrt().add_(ADAGRAD_EPS)))
        elif self.optimizer == "adadelta":
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            square_avg.mul_(ADADELTA_RHO).addcmul_(gradient, gradient, value=1 - ADADELTA_RHO)
            std = square_avg.add(ADADELTA_EPS).sqrt_()
            delta = acc_delta.add(ADADELTA_EPS).sqrt_().div_(std).mul_(gradient)
            acc_delta.mul_(ADADELTA_RHO).addcmul_(delta, delta, value=1 - ADADELTA_RHO)
            weights.sub_(rate * delta)
        elif self.optimizer == "rmsprop":
            square_avg = state["square_avg"]
            square_avg.mul_(RMSPROP_ALPHA).addcmul_(gradient, gradient, value=1 - RMSPROP_ALPHA)
            weights.sub_(rate * (gradient / square_avg.sqrt().add_(RMSPROP_EPS)))

    def _fused_adam(self, given: Gradient, factor: float) -> None:
        """Adam/AdamW through PyTorch's fused kernel, the one `train` uses: one call per distinct
        learning rate, each part of each model's row one tensor of the call."""
        self._step_tensor += 1
        # (models, n_part): one copy per part when autograd returns it transposed, not one per row
        parts = [(offset, part.reshape(part.shape[0], -1)) for offset, part in given]
        layout = tuple((offset, part.shape[1]) for offset, part in parts)
        if layout not in self._views:  # the same views every step: build them once
            self._views[layout] = {
                rate: tuple(
                    [tensor[row, offset : offset + size] for row in rows for offset, size in layout]
                    for tensor in (self.weights, self.state["exp_avg"], self.state["exp_avg_sq"])
                )
                for rate, rows in self._rows_by_rate.items()
            }
        for rate, rows in self._rows_by_rate.items():
            weights, exp_avgs, exp_avg_sqs = self._views[layout][rate]
            grads = [part[row] for row in rows for _, part in parts]
            fused_adam(
                weights,
                grads,
                exp_avgs,
                exp_avg_sqs,
                self._step_tensor,
                lr=rate * factor,
                weight_decay=self.weight_decay,
                decoupled=self.optimizer == "adamw",
                betas=ADAM_BETAS,
                eps=ADAM_EPS,
            )
