"""Backward graphs and the finite-difference gradient check of mlp_core.basics.gradients."""

from __future__ import annotations

import pytest
import torch

from mlp_core.basics.gradients import backward_graph, central_difference, graph_dot


def handout_example(seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    return {"x": x, "y": y, "w": w, "b": b, "z": z, "loss": loss}


def test_graph_of_the_handout_example_reaches_w_and_b() -> None:
    tensors = handout_example()
    graph = backward_graph(tensors["loss"], tensors)
    labels = {node.label for node in graph.nodes}
    assert {"w (5, 3)", "b (3)", "loss ()", "AddBackward0"} <= labels
    assert any(label.startswith("BinaryCrossEntropyWithLogitsBackward") for label in labels)
    ids = {node.node_id for node in graph.nodes}
    assert all(child in ids and parent in ids for child, parent in graph.edges)
    dot = graph_dot(graph)
    assert dot.startswith("digraph") and dot.count("->") == len(graph.edges)


def test_graph_refuses_a_tensor_without_history() -> None:
    with pytest.raises(ValueError, match="no grad_fn"):
        backward_graph(torch.ones(3))


def test_autograd_matches_central_difference() -> None:
    tensors = handout_example(seed=3)
    tensors["loss"].backward()
    x, y, b = tensors["x"].double(), tensors["y"].double(), tensors["b"].detach().double()

    def loss_of(w: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)

    estimate = central_difference(loss_of, tensors["w"], epsilon=1e-6)
    assert (estimate - tensors["w"].grad.double()).abs().max() < 1e-6
    # and a wrong gradient is caught: the check can fail
    assert (estimate - 2 * tensors["w"].grad.double()).abs().max() > 1e-3


def test_central_difference_leaves_its_point_untouched() -> None:
    point = torch.tensor([1.0, 2.0])
    central_difference(lambda p: (p**3).sum(), point, epsilon=1e-3)
    assert point.tolist() == [1.0, 2.0]
