"""The hand-written backward pass equals autograd's, and FlatAdam equals torch.optim.Adam(fused).

Bit for bit: the backward pass calls the ATen kernels autograd calls, in the same order. ELU is the
exception: its derivative is computed from the output rather than the input (to work in place), which
rounds differently.
"""

from __future__ import annotations

import pytest
import torch

from mlp_core.choices import ACTIVATIONS
from mlp_core.config import RunConfig
from mlp_core.engine.backprop import Backprop, FlatAdam
from mlp_core.engine.model import build_model


def autograd_gradients(model, inputs, labels):
    loss = torch.nn.functional.cross_entropy(model(inputs), labels)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    return loss.detach(), torch.cat([grad.reshape(-1) for grad in grads])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (32,), (32, 16, 8)])
def test_gradients_equal_autograd(activation, hidden):
    config = RunConfig(hidden=hidden, activation=activation, seed=3)
    inputs, labels = torch.rand(50, 784), torch.randint(0, 10, (50,))
    model = build_model(config)
    expected_loss, expected = autograd_gradients(model, inputs, labels)
    backprop = Backprop(model, activation)
    loss = backprop.step_gradients(inputs, labels)
    assert torch.equal(loss, expected_loss)
    tolerance = {"rtol": 1e-5, "atol": 1e-7} if activation == "elu" else {"rtol": 0, "atol": 0}
    torch.testing.assert_close(backprop.parameters.grad, expected, **tolerance)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_dropout_gradients_equal_autograd_with_the_same_masks(activation):
    """Same seed, same draws: nn.Dropout and Backprop draw identical masks from the global generator."""
    config = RunConfig(hidden=(32, 16), activation=activation, dropout=0.5, input_dropout=0.2)
    inputs, labels = torch.rand(50, 784), torch.randint(0, 10, (50,))
    model = build_model(config)
    model.train()
    torch.manual_seed(7)
    expected_loss, expected = autograd_gradients(model, inputs, labels)
    backprop = Backprop(model, activation, dropout=0.5, input_dropout=0.2)
    torch.manual_seed(7)
    loss = backprop.step_gradients(inputs, labels)
    assert torch.equal(loss, expected_loss)
    torch.testing.assert_close(backprop.parameters.grad, expected, rtol=0, atol=0)


def test_the_module_shares_the_flat_buffer():
    model = build_model(RunConfig(hidden=(8,)))
    before = [parameter.detach().clone() for parameter in model.parameters()]
    backprop = Backprop(model, "relu")
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True)), (
        "moving into the buffer changed a weight"
    )
    backprop.parameters.data.add_(1.0)
    assert all(torch.equal(a + 1, b) for a, b in zip(before, model.parameters(), strict=True)), (
        "the module does not see updates of the buffer"
    )


@pytest.mark.parametrize("decoupled", [False, True])
def test_flat_adam_updates_bitwise_like_fused_torch_adam(decoupled):
    start = torch.randn(1000)
    grads = [torch.randn(1000) for _ in range(6)]
    finals = []
    for make in (
        lambda p: FlatAdam(p, decoupled=decoupled, lr=1e-2, weight_decay=0.1),
        lambda p: (torch.optim.AdamW if decoupled else torch.optim.Adam)(
            [p], lr=1e-2, weight_decay=0.1, fused=True
        ),
    ):
        parameter = torch.nn.Parameter(start.clone(), requires_grad=False)
        optimizer = make(parameter)
        for step, grad in enumerate(grads):
            optimizer.param_groups[0]["lr"] = 1e-2 / (step + 1)  # a schedule, as train() sets it
            parameter.grad = grad
            getattr(optimizer, "update", optimizer.step)()
        finals.append(parameter.detach().clone())
    assert torch.equal(*finals)
