"""Autograd made visible: the backward graph of a tensor and a finite-difference check of gradients.

`backward_graph` walks ``grad_fn`` / ``next_functions`` from a result tensor down to the leaves
(``AccumulateGrad`` nodes, whose ``variable`` is the leaf tensor), the DAG section 1.5 of the
handout describes; `graph_dot` writes it in Graphviz's DOT language. `central_difference` estimates
d(loss)/d(tensor) numerically so that ``w.grad`` can be checked against it (as micrograd checks its
gradients against PyTorch's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class GraphNode:
    """One node of a backward graph: a ``Function`` or a leaf tensor."""

    node_id: str
    label: str
    kind: str  # "function", "leaf" (a tensor that requires grad) or "root" (the result tensor)


@dataclass(frozen=True)
class BackwardGraph:
    """Nodes and edges (child -> parent, i.e. in the forward direction) of a backward graph."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[str, str], ...]


def _shape(tensor: torch.Tensor) -> str:
    return "(" + ", ".join(str(size) for size in tensor.shape) + ")"


def backward_graph(
    root: torch.Tensor, names: dict[str, torch.Tensor] | None = None
) -> BackwardGraph:
    """The graph of ``Function`` objects autograd recorded to compute ``root``.

    Parameters
    ----------
    root : torch.Tensor
        A tensor with a ``grad_fn`` (the result of operations on tensors that require grad).
    names : dict of str to Tensor, optional
        Display names of tensors: leaves found in the graph are labelled with their name (matched
        by identity) and shape; the root is labelled with its own name if it is listed.

    Returns
    -------
    BackwardGraph
        Raises ValueError if ``root`` has no ``grad_fn``.
    """
    if root.grad_fn is None:
        raise ValueError(
            "the tensor has no grad_fn: nothing that requires grad was used to make it"
        )
    by_identity = {id(tensor): name for name, tensor in (names or {}).items()}
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str]] = []
    root_id = "result"
    nodes[root_id] = GraphNode(
        root_id, f"{by_identity.get(id(root), 'result')} {_shape(root)}", "root"
    )
    edges.append((f"fn{id(root.grad_fn)}", root_id))
    pending = [root.grad_fn]
    while pending:
        function = pending.pop()
        function_id = f"fn{id(function)}"
        if function_id in nodes:
            continue
        variable = getattr(function, "variable", None)  # AccumulateGrad holds the leaf tensor
        if variable is not None:
            name = by_identity.get(id(variable), "leaf")
            nodes[function_id] = GraphNode(function_id, f"{name} {_shape(variable)}", "leaf")
            continue
        nodes[function_id] = GraphNode(function_id, type(function).__name__, "function")
        for child, _ in function.next_functions:
            if child is None:  # an input that needs no gradient (x, y, constants)
                continue
            edges.append((f"fn{id(child)}", function_id))
            pending.append(child)
    return BackwardGraph(tuple(nodes.values()), tuple(dict.fromkeys(edges)))


def graph_dot(graph: BackwardGraph) -> str:
    """Graphviz DOT source of ``graph``: leaves as blue boxes, functions as grey ellipses."""
    styles = {
        "leaf": 'shape=box, style="filled,rounded", fillcolor="#cfe2ff"',
        "function": 'shape=ellipse, style=filled, fillcolor="#e9ecef"',
        "root": 'shape=box, style=filled, fillcolor="#d1e7dd"',
    }
    lines = ["digraph backward {", "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=14];']
    for node in graph.nodes:
        label = node.label.replace('"', r"\"")
        lines.append(f'  {node.node_id} [label="{label}", {styles[node.kind]}];')
    for child, parent in graph.edges:
        lines.append(f"  {child} -> {parent};")
    lines.append("}")
    return "\n".join(lines)


def central_difference(
    loss_of: Callable[[torch.Tensor], torch.Tensor], point: torch.Tensor, epsilon: float = 1e-6
) -> torch.Tensor:
    """Numerical gradient of a scalar function, one coordinate at a time.

    ``(loss_of(p + eps e_i) - loss_of(p - eps e_i)) / (2 eps)`` for every element ``i`` of
    ``point``; the error is O(eps^2) plus rounding of order (machine epsilon / eps), so the
    computation runs in float64.

    Parameters
    ----------
    loss_of : callable
        Maps a tensor shaped like ``point`` to a scalar tensor.
    point : torch.Tensor
        Where to differentiate (not modified).
    epsilon : float > 0
        Step size.

    Returns
    -------
    torch.Tensor
        float64, shaped like ``point``.

    Examples
    --------
    >>> central_difference(lambda p: (p**2).sum(), torch.tensor([1.0, -2.0]), epsilon=0.5)
    tensor([ 2., -4.], dtype=torch.float64)
    """
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    base = point.detach().to(torch.float64).clone()
    flat = base.view(-1)
    estimate = torch.empty_like(flat)
    with torch.no_grad():
        for i in range(flat.numel()):
            original = flat[i].item()
            flat[i] = original + epsilon
            upper = float(loss_of(base))
            flat[i] = original - epsilon
            lower = float(loss_of(base))
            flat[i] = original
            estimate[i] = (upper - lower) / (2 * epsilon)
    return estimate.view_as(base)
