"""Store: the run store on disk (keyed by config and code version), archives of its entries
(written on one machine, merged into another), the baselines' store, and the background job queue
of the app.

- `run_store`: `RunStore`, finished runs found again by their config; every read verified.
- `entry`: one entry's files, `StoredRun` (the typed view readers get), `verify_entry`.
- `weights`: the weights a run may keep (float16 ``weights.npz``, checked when read), and the
  policies of who keeps them (`RunStore(keep_weights=...)`).
- `index`: the index of the store as a frame for tables and charts (`index_frame`).
- `writing`, `locks`, `errors`: atomic writes under a per-entry lock, the check before training,
  the rescue of a run the store could not take, and the store's exceptions.
- `corrupt`: corrupt entries moved aside into ``corrupt/`` (never deleted, never a valid one).
- `archive`, `archive_members`: entries in one file, and `merge_archive` (verified, never
  replacing an entry); the screen every member passes first.
- `baselines`, `jobs`: the kNN baseline's files; the app's background job queue.

Reading the store never imports torch; only training (jobs, `get_or_train`'s trainer) does.
Imports `mlp_core.config`, `mlp_core.results`, `mlp_core.data`, `mlp_core.engine`.
"""
