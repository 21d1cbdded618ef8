"""Store: the result of a run, the run store on disk (keyed by config and code version), the
baselines' store, archives of store entries (written on one machine, merged into another), and the
background job queue of the app.

Reading the store never imports torch; only training (jobs, `get_or_train`) does. Imports
`mlp_core.config`, `mlp_core.data`, `mlp_core.engine`.
"""
