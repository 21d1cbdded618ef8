"""The optimizers of `mlp_core.train.make_optimizer`, applied to many models' weights at once.

All models of a stack keep their weights in one flat tensor of shape (models, weights); each model
has its own learning rate, and every state tensor (momentum, moment estimates, accumulators) has the
same shape as the weights, so each model keeps its own optimizer state. The formulas are those of
PyTorch's single-tensor implementations with their default hyper-parameters (the ones `train` uses),
so a stacked step equals the per-model `torch.optim` step up to rounding.
"""

from __future__ import annotations

import torch

from mlp_core.config import OPTIMIZERS

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
ADAGRAD_EPS = 1e-10
ADADELTA_RHO, ADADELTA_EPS = 0.9, 1e-6
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8
MOMENTUM = 0.9


class StackedOptimizer:
    """One optimizer for a stack of models.

    Parameters
    ----------
    optimizer : one of `mlp_core.config.OPTIMIZERS`
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

    @torch.no_grad()
    def step(self, gradient: torch.Tensor, factor: float = 1.0) -> None:
        """Apply one update; ``factor`` scales every learning rate (the schedule's multiplier)."""
        self.steps += 1
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
        else:  # adam, adamw
            if self.optimizer == "adamw" and decay:
                weights.mul_(1 - rate * decay)
            beta1, beta2 = ADAM_BETAS
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg.lerp_(gradient, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(gradient, gradient, value=1 - beta2)
            correction1 = 1 - beta1**self.steps
            correction2_sqrt = (1 - beta2**self.steps) ** 0.5
            # step = rate / correction1 * exp_avg / (sqrt(exp_avg_sq) / correction2_sqrt + eps),
            # folded into the denominator: fewer passes over the (models, n) tensors.
            denominator = exp_avg_sq.sqrt().div_(correction2_sqrt).add_(ADAM_EPS)
            weights.addcdiv_(exp_avg, denominator.mul_(correction1 / rate), value=-1)
