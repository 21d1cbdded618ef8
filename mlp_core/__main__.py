"""Command line: ``python -m mlp_core {train,runs,data,bench,sweep,baseline} ...`` (see `mlp_core.cli`)."""

import sys

from mlp_core.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
