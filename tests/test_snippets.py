"""mlp_core.basics.snippets runs a snippet and captures its prints, without touching sys.stdout."""

from __future__ import annotations

import sys

from mlp_core.basics.snippets import run_snippet


def test_output_and_variables_are_captured() -> None:
    result = run_snippet(
        """
        import torch
        t = torch.ones(3)
        print(f"t: {t}")
        print("a", "b", sep="-", end="!")
        """
    )
    assert result.stdout == "t: tensor([1., 1., 1.])\na-b!"
    assert result.namespace["t"].tolist() == [1.0, 1.0, 1.0]
    assert "print" not in result.namespace


def test_namespace_is_copied_and_stdout_untouched(capsys) -> None:
    given = {"n": 4}
    stdout_before = sys.stdout
    result = run_snippet("m = n * 2\nprint(m)", given)
    assert result.namespace["m"] == 8 and "m" not in given
    assert sys.stdout is stdout_before and capsys.readouterr().out == ""
