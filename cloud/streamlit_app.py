"""MLP Lab on Streamlit Community Cloud: the app's own router, with this folder's requirements.

Community Cloud installs the dependency file it finds beside the entrypoint first, so pointing the
app's *Main file path* at ``cloud/streamlit_app.py`` installs ``cloud/requirements.txt`` (torch and
torchvision as CPU-only wheels) instead of the root ``requirements.txt`` (the CUDA build, about 6 GB
installed). Pages, sections and deep links are the router's own: this file only runs it.
"""

import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# `streamlit run cloud/streamlit_app.py` puts cloud/ on sys.path, not the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Runs trained on Community Cloud live on the container's disk: gone when the app sleeps or
# reboots (the committed runs/ store stays). The Train page says so.
os.environ.setdefault("MLP_EPHEMERAL_STORE", "1")

runpy.run_path(str(ROOT / "streamlit_app.py"), run_name="__main__")
