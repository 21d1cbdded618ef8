"""The tour benchmark's own parts: reading a process's peak memory, the report, its bad input.

The tour itself (a real server and Chromium, minutes) is run by hand: ``python -m mlp_core bench
--tour``; the browser tests cover the same server start and page waits.
"""

from __future__ import annotations

import os

from mlp_core.cli.main import main
from mlp_core.sweep import tour


def test_peak_memory_is_read_from_proc_and_is_at_least_the_current():
    peak, current = tour.memory_mb(os.getpid())
    assert peak >= current > 10  # MB: this Python has numpy and pytest loaded


def fake_phases(warm_home: float, peak: float) -> list[tour.Phase]:
    report = tour.Phase(
        "report",
        [tour.PageTiming("/", 2.0, warm_home), tour.PageTiming("/exercise1_curves", 3.0, 1.0)],
        peak_mb=peak,
        rss_mb=peak - 10,
    )
    training = tour.Phase("training", peak_mb=peak + 400, rss_mb=peak, note="trained 1 epoch(s)")
    return [report, training]


def test_tour_report_names_pages_times_and_whether_targets_are_met():
    lines = tour.tour_lines(fake_phases(warm_home=0.8, peak=300), "cloud/streamlit_app.py")
    assert lines[0].startswith("Server memory and render times of `streamlit run cloud/")
    assert "/ 2.00/0.80, /exercise1_curves 3.00/1.00" in lines[2]
    assert "trained 1 epoch(s)" in lines[3]
    assert lines[-1] == (
        "report tour peak 300 MB (target <= 350: met); slowest warm report page "
        "/exercise1_curves 1.00 s (target <= 1.5: met)"
    )
    missed = tour.tour_lines(fake_phases(warm_home=1.7, peak=351), "streamlit_app.py")[-1]
    assert missed.count("MISSED") == 2 and "slowest warm report page / 1.70 s" in missed


def test_tour_without_a_browser_is_one_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tour, "CHROMIUM", tmp_path / "no_chromium")
    assert main(["bench", "--tour"]) == 2
    assert "the tour needs Debian's chromium" in capsys.readouterr().err
