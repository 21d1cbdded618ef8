"""Sweep: sweep specs (TOML), their execution over joblib or Dask, cost estimates, benchmarks.

Imports the layers below it: config, data, engine, store.
"""
