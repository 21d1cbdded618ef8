"""The section 1.6 playground: it learns, it reports, it stops when asked."""

from __future__ import annotations

import pytest
import torch

from mlp_core.basics import playground
from mlp_core.basics.playground import (
    LossWithTargets,
    NeuralNetwork,
    PlaygroundConfig,
    run_playground,
)

SMALL = PlaygroundConfig(
    dataset="fashion_mnist",
    hidden=(64,),
    learning_rate=0.1,
    batch_size=32,
    train_size=960,  # fits the committed 1000-image sample too (tests/fashion_sample.py)
    test_size=512,
)


@pytest.fixture(autouse=True)
def fashion(fashion_mnist: str) -> str:
    """Fashion-MNIST for every test here: the full files, or the committed sample."""
    return fashion_mnist


def test_network_has_the_handouts_parameter_names_and_count() -> None:
    model = NeuralNetwork((512, 512))
    names = [name for name, _ in model.named_parameters()]
    assert names[0] == "linear_relu_stack.0.weight" and names[-1] == "linear_relu_stack.4.bias"
    # 784*512 + 512 + 512*512 + 512 + 512*10 + 10
    assert sum(p.numel() for p in model.parameters()) == 669_706


@pytest.mark.parametrize("loss", list(playground.LOSSES))
def test_loss_falls_on_a_small_subset(loss: str) -> None:
    events: list[dict] = []
    config = PlaygroundConfig(**{**SMALL.__dict__, "loss": loss, "epochs": 2})
    result = run_playground(config, events.append)
    first, last = result.batch_losses[:4], result.batch_losses[-4:]
    assert sum(last) < sum(first)
    assert not result.stopped and len(result.test_accuracy) == 2
    assert result.test_accuracy[-1] > 0.3  # chance is 0.1
    assert result.lines[0].startswith("Epoch 1") and result.lines[-1] == "Done!"
    assert any(line.startswith("Test Error: \n Accuracy: ") for line in result.lines)
    progress = [event["progress"] for event in events if event["kind"] == "batch"]
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)


def test_handout_print_lines_every_print_every_batches() -> None:
    config = PlaygroundConfig(**{**SMALL.__dict__, "print_every": 10})
    result = run_playground(config)
    loss_lines = [line for line in result.lines if line.startswith("loss:")]
    # 960 / 32 = 30 batches -> batches 0, 10, 20
    assert len(loss_lines) == 3 and loss_lines[1].endswith("[  320/  960]")


def test_cancel_stops_the_run_after_the_batch_that_sees_it() -> None:
    polls = {"count": 0}

    def should_stop() -> bool:
        polls["count"] += 1
        return polls["count"] >= 3

    result = run_playground(PlaygroundConfig(**{**SMALL.__dict__, "epochs": 3}), None, should_stop)
    assert result.stopped and len(result.batch_losses) == 3 and result.test_accuracy == []
    assert result.lines[-1] == "Stopped."


def test_mse_and_nll_losses_match_their_definitions() -> None:
    pred = torch.randn(4, 10)
    y = torch.tensor([0, 3, 9, 3])
    one_hot = torch.nn.functional.one_hot(y, 10).float()
    assert torch.allclose(LossWithTargets("mse")(pred, y), ((pred - one_hot) ** 2).mean())
    assert torch.allclose(
        LossWithTargets("nll")(pred, y), torch.nn.functional.cross_entropy(pred, y)
    )


@pytest.mark.parametrize(
    "change", [{"batch_size": 0}, {"train_size": 60001}, {"loss": "hinge"}, {"hidden": ()}]
)
def test_invalid_config_is_refused(change: dict) -> None:
    with pytest.raises(ValueError, match="invalid PlaygroundConfig"):
        PlaygroundConfig(**change)
