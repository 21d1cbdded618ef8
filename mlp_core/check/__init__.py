"""The device check: one command that proves the CUDA paths and computes the exercise-2 study on a
fresh GPU machine (``python -m mlp_core device-check OUT``), or runs the same pipeline at toy sizes
on a CPU (``--quick``, which CI runs so that it cannot rot).

`plan` holds the steps and their time budget and runs each in its own process (`__main__`);
`steps` the steps themselves; `training` which runs are trained and how; `timing` where the time
goes; `determinism` the repeatability probe; `environment` the machine's facts and a GPU monitor;
`report` the Markdown report. Imports every layer below the command line (engine, store, sweep,
report); only `mlp_core.cli` imports it.
"""
