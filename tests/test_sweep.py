"""Sweep specs (expansion, validation) and the sweep runner (resume, joblib, Dask, failures)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import synthetic_split

from mlp_core.__main__ import main
from mlp_core.choices import DEFAULT_LEARNING_RATES
from mlp_core.config import RunConfig
from mlp_core.engine.train import train
from mlp_core.store.run_store import RunStore
from mlp_core.sweep.execution import FixedSplit, run_sweep, split_missing
from mlp_core.sweep.spec import expand, expand_sets, load_spec, parse_spec

TINY = RunConfig(hidden=(12,), batch_size=50, epochs=2, validation_size=200)
HISTORY = ("train_loss", "train_error", "eval_loss", "eval_error", "learning_rate")


def handout_study() -> set[RunConfig]:
    """Exercise 2's validation runs as the lead computes them, written out by hand."""
    base = RunConfig()
    configs = {base, replace(base, epochs=100), replace(base, seed=1), replace(base, seed=2)}
    for optimizer in ("sgd", "sgd_momentum", "adadelta", "adagrad", "adamw", "rmsprop"):
        configs.add(
            replace(base, optimizer=optimizer, learning_rate=DEFAULT_LEARNING_RATES[optimizer])
        )
    configs.add(replace(base, optimizer="adamw", weight_decay=0.01))
    configs |= {replace(base, optimizer=name, learning_rate=1e-3) for name in ("sgd", "adadelta")}
    configs |= {
        replace(base, activation=name) for name in ("sigmoid", "tanh", "leaky_relu", "elu", "gelu")
    }
    configs.add(replace(base, stopping="patience", patience=5, epochs=100))
    configs.add(replace(base, hidden=()))
    configs |= {replace(base, hidden=(w,) * d) for w in range(100, 900, 100) for d in (1, 2, 3)}
    return configs


def test_exercise2_spec_expands_to_exactly_the_study_configs():
    configs = expand(load_spec("exercise2"))
    assert len(configs) == len(set(configs)) == 44
    assert set(configs) == handout_study()


def test_factorial_spec_is_288_runs_at_each_optimizers_own_rate():
    configs = expand(load_spec("factorial"))
    assert len(set(configs)) == 288
    assert {c.optimizer for c in configs} == {"sgd", "adadelta", "adagrad", "adam"}
    assert {c.activation for c in configs} == {"relu", "sigmoid", "tanh"}
    assert {c.hidden for c in configs} == {
        (w,) * d for w in range(100, 900, 100) for d in (1, 2, 3)
    }
    assert all(c.learning_rate == DEFAULT_LEARNING_RATES[c.optimizer] for c in configs)
    # The Adam/ReLU slice is exercise 2's width x depth grid: stored once, found by both specs.
    grid = set(expand_sets(load_spec("exercise2"))["width_x_depth"])
    assert grid == {c for c in configs if c.optimizer == "adam" and c.activation == "relu"}


def spec(**sets) -> dict:
    return {"name": "t", "base": {"epochs": 3}, "sets": [{"name": k, **v} for k, v in sets.items()]}


def test_grid_is_a_full_factorial_and_one_at_a_time_varies_each_factor_alone():
    data = spec(
        grid={
            "kind": "grid",
            "vary": {"optimizer": ["sgd", "adam"], "width": [10, 20], "depth": [1, 2]},
        },
        oat={
            "kind": "one_at_a_time",
            "base": {"hidden": [10]},
            "vary": {"optimizer": ["sgd", "adam"], "activation": ["tanh", "relu"]},
        },
    )
    sets = expand_sets(parse_spec(data))
    assert len(sets["grid"]) == 8
    assert {c.hidden for c in sets["grid"]} == {(10,), (20,), (10, 10), (20, 20)}
    assert [(c.optimizer, c.activation) for c in sets["oat"]] == [
        ("sgd", "relu"), ("adam", "relu"), ("adam", "tanh"),  # adam+relu appears once
    ]  # fmt: skip
    assert all(c.epochs == 3 for c in sets["grid"] + sets["oat"])
    assert len(expand(parse_spec(data))) == 8 + 1  # all but adam+tanh are grid runs too


def test_seeds_are_replicates_and_auto_rates_follow_the_optimizer():
    data = spec(s={"vary": {"optimizer": ["sgd", "adadelta"]}, "seeds": [0, 1, 2]})
    data["base"] |= {"learning_rate": "auto"}
    data["learning_rates"] = {"sgd": 0.05}
    configs = expand(parse_spec(data))
    assert sorted(c.seed for c in configs) == [0, 0, 1, 1, 2, 2]
    rates = {c.optimizer: c.learning_rate for c in configs}
    assert rates == {"sgd": 0.05, "adadelta": DEFAULT_LEARNING_RATES["adadelta"]}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["sets"][0]["vary"].update(optimzer=["sgd"]), "optimzer"),
        (lambda d: d["sets"][0]["vary"].update(optimizer=["sgd", "lbfgs"]), "optimizer"),
        (lambda d: d["sets"][0]["vary"].update(width=[100, 0]), "width"),
        (lambda d: d["sets"][0]["vary"].update(dropout=[1.5]), "dropout"),
        (lambda d: d["sets"][0]["vary"].update(epochs=[]), "epochs"),
        (lambda d: d["base"].update(learning_rate=-1.0), "learning_rate"),
        (lambda d: d["base"].update(seed=3), "seed"),
        (lambda d: d["sets"][0].update(kind="random"), "kind"),
        (lambda d: d["sets"][0].update(colour="red"), "colour"),
        (lambda d: d.update(learning_rates={"sgd": 0}), "sgd"),
        (lambda d: d["sets"].append(dict(d["sets"][0])), "duplicate"),
        (lambda d: d["sets"][0]["vary"].update(split=["test"], stopping=["patience"]), "stopping"),
    ],
)
def test_invalid_spec_is_refused_naming_the_field(change, named):
    data = spec(a={"kind": "grid", "vary": {"optimizer": ["sgd"]}})
    change(data)
    with pytest.raises(ValueError, match=named):
        parse_spec(data)


def test_cli_dry_run_lists_stored_and_missing_and_refuses_a_bad_spec(tmp_store, tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nbase = { epochs = 1, validation_size = 50 }\n'
        '[[sets]]\nname = "a"\nvary = { depth = [0, 1], width = [10] }\n'
    )
    stored = RunConfig(hidden=(), epochs=1, validation_size=50)
    tmp_store.save(train(stored, split=synthetic_split(100, 50)))
    assert main(["sweep", str(path), "--dry-run"]) == 0
    assert "1 stored, 1 missing" in capsys.readouterr().out
    path.write_text('name = "s"\n[[sets]]\nname = "a"\nvary = { epochs = [1], widht = [10] }\n')
    assert main(["sweep", str(path)]) == 2
    assert "widht" in capsys.readouterr().err


def tiny_configs() -> list[RunConfig]:
    return [replace(TINY, seed=seed, optimizer=name) for seed in (0, 1) for name in ("adam", "sgd")]


def same_results(first, second) -> None:
    assert first.status == second.status and first.metrics == second.metrics
    assert {c: first.history[c] for c in HISTORY} == {c: second.history[c] for c in HISTORY}
    assert (first.predictions == second.predictions).all()


def test_resume_after_interruption_recomputes_nothing(tmp_path):
    store, calls = RunStore(tmp_path), []

    def interrupted_train(config, **options):
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the third run
        calls.append(config)
        return train(config, **options)

    configs, provider = tiny_configs(), FixedSplit(synthetic_split())
    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            configs, store, split_provider=provider, train_function=interrupted_train, threads=1
        )
    assert len(split_missing(configs, store)[0]) == 2  # the two finished runs were stored
    calls.clear()
    counted = lambda config, **options: calls.append(config) or train(config, **options)  # noqa: E731
    report = run_sweep(configs, store, split_provider=provider, train_function=counted, threads=1)
    assert (report.already_stored, report.trained, len(calls)) == (2, 2, 2)
    calls.clear()
    report = run_sweep(configs, store, split_provider=provider, train_function=counted, threads=1)
    assert (report.already_stored, report.trained, calls) == (4, 0, [])


def test_diverged_and_failed_runs_are_reported_and_the_rest_stored(tmp_path):
    store = RunStore(tmp_path)
    exploding = replace(TINY, optimizer="sgd", learning_rate=80.0)
    broken = replace(TINY, seed=7)

    def flaky_train(config, **options):
        if config == broken:
            raise RuntimeError("worker lost its GPU")
        return train(config, **options)

    configs = [TINY, exploding, broken]
    report = run_sweep(
        configs, store, split_provider=FixedSplit(synthetic_split()), train_function=flaky_train
    )
    assert (report.trained, report.diverged) == (2, 1)
    assert len(report.failed) == 1 and "lost its GPU" in report.failed[0]
    assert store.load(exploding).status == "diverged"
    assert not store.contains(broken)


def reference_store(tmp_path: Path, configs: list[RunConfig]) -> RunStore:
    store = RunStore(tmp_path / "one")
    run_sweep(configs, store, split_provider=FixedSplit(synthetic_split()), threads=1)
    return store


@pytest.mark.slow  # starts two worker processes (~5 s)
def test_joblib_workers_store_what_one_process_stores(tmp_path):
    configs = tiny_configs()
    reference, store = reference_store(tmp_path, configs), RunStore(tmp_path / "joblib")
    report = run_sweep(
        configs, store, jobs=2, split_provider=FixedSplit(synthetic_split()), threads=1
    )
    assert report.trained == 4 and not report.failed
    for config in configs:
        same_results(reference.load(config), store.load(config))


@pytest.mark.slow  # starts a two-worker Dask LocalCluster (~8 s)
def test_dask_cluster_stores_what_one_process_stores(tmp_path):
    from dask.distributed import LocalCluster

    configs = tiny_configs()
    reference, store = reference_store(tmp_path, configs), RunStore(tmp_path / "dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        report = run_sweep(
            configs, store, scheduler=cluster.scheduler_address,
            split_provider=FixedSplit(synthetic_split()), threads=1,
        )  # fmt: skip
    assert report.trained == 4 and not report.failed
    for config in configs:
        same_results(reference.load(config), store.load(config))


def die_once(marker: Path):
    """A train function whose first call kills its worker process (as an OOM kill would)."""

    def work(config, **options):
        if not marker.exists():
            marker.write_text("died")
            os._exit(1)
        return train(config, **options)

    return work


@pytest.mark.slow
def test_a_run_whose_dask_worker_dies_is_retried_elsewhere(tmp_path):
    from dask.distributed import LocalCluster

    store = RunStore(tmp_path / "store")
    work = die_once(tmp_path / "marker")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        report = run_sweep(
            [TINY], store, scheduler=cluster.scheduler_address,
            split_provider=FixedSplit(synthetic_split()), train_function=work, threads=1,
        )  # fmt: skip
    assert (tmp_path / "marker").exists()  # the first attempt died...
    assert report.trained == 1 and store.load(TINY).status == "finished"  # ...and was re-run


def test_batched_sweep_stores_what_the_single_path_stores(tmp_path):
    configs, provider = tiny_configs(), FixedSplit(synthetic_split())
    single, stacked = RunStore(tmp_path / "single"), RunStore(tmp_path / "stacked")
    run_sweep(configs, single, split_provider=provider, threads=1)
    progress = []
    report = run_sweep(
        configs, stacked, batched=True, split_provider=provider, threads=1, report=progress.append
    )
    assert report.trained == 4
    assert [(p.done, p.total) for p in progress] == [(4, 4)]  # one stack of four
    assert progress[-1].eta_seconds == 0 and "stack of 4 runs" in progress[-1].message
    for config in configs:
        one, many = single.load(config), stacked.load(config)
        assert many.provenance.stacked == 4
        for column in HISTORY:
            assert many.history[column] == pytest.approx(one.history[column], abs=1e-4)
        assert (one.predictions == many.predictions).all()


@pytest.mark.slow  # trains two 1-epoch softmax regressions on the real MNIST
def test_cli_sweep_trains_what_is_missing_then_resumes_with_nothing_to_do(
    tmp_store, tmp_path, capsys
):
    from mlp_core.data.files import DataError
    from mlp_core.data.sources import ensure_dataset

    try:
        ensure_dataset("mnist")
    except DataError:
        pytest.skip("MNIST is not available here")
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nseeds = [0, 1]\nbase = { hidden = [], epochs = 1 }\n[[sets]]\nname = "a"\n'
    )
    assert main(["sweep", str(path), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "[1/2]" in out and "[2/2]" in out and "ETA" in out
    assert "0 were stored, 2 trained (0 diverged), 0 failed" in out
    assert main(["sweep", str(path)]) == 0
    assert "2 were stored, 0 trained" in capsys.readouterr().out
