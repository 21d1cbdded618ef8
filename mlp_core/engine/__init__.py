"""Engine: the handout's MLP, backpropagation over one flat buffer, optimizers, stacks of models and
the training loops that turn a `RunConfig` into a `RunResult`.

Imports `mlp_core.config`, `mlp_core.data` and `mlp_core.results` (the result it returns); torch.
"""
