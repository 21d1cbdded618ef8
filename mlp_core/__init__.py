"""MLP Lab's library: the handout's multilayer perceptrons, trained, stored, swept and reported.

One folder per layer; data flows one way and a module imports only from layers to its left::

    config -> data -> engine -> store -> sweep -> report        (basics: chapter 1, beside them)

- `mlp_core.config`: `RunConfig`, the whole identity of a run (no torch).
- `mlp_core.data`: the data files, their verification, tensors and splits, uploads.
- `mlp_core.engine`: the model, backpropagation, optimizers, stacks, the training loops (torch).
- `mlp_core.store`: run results and the run store, the baselines' store, background jobs.
- `mlp_core.sweep`: sweep specs, their execution (joblib, Dask), cost estimates, benchmarks.
- `mlp_core.report`: statistics, curves, analysis, model choice, tables and export (no torch).
- `mlp_core.basics`: helpers of the chapter-1 playgrounds (tensors, autograd, the optimization loop).

`mlp_core` never imports Streamlit; the import-linter contracts in ``pyproject.toml`` check the layers.
"""
