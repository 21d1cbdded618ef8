"""The command line, ``python -m mlp_core COMMAND``: one module per command, each a thin edge like
the pages (flags -> config -> one library call -> printed lines).

`mlp_core.cli.main` builds the parser from every command module's ``register`` and maps errors to
exit codes: 2 for invalid input, 1 for a problem of the environment (data, store), 130 for Ctrl-C.
Imports every layer of `mlp_core`; nothing in `mlp_core` imports it.
"""
