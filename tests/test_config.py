"""RunConfig: defaults are the handout's experiment; every invalid field is named."""

from __future__ import annotations

import pytest

from mlp_core.config import RunConfig, run_key


def test_defaults_are_the_handout_experiment():
    config = RunConfig()
    assert config.architecture == "784-500-300-10"
    assert (config.activation, config.optimizer, config.learning_rate) == ("relu", "adam", 1e-3)
    assert (config.batch_size, config.epochs) == (100, 20)
    assert (config.train_size, config.eval_size) == (54000, 6000)
    assert RunConfig(split="test").train_size == 60000


INVALID = [
    ("dataset", "cifar10"),
    ("split", "train"),
    ("hidden", (500, 0)),
    ("hidden", (500, -3)),
    ("hidden", "500"),
    ("hidden", (1.5,)),
    ("activation", "softplus"),
    ("optimizer", "lbfgs"),
    ("learning_rate", 0.0),
    ("learning_rate", -1.0),
    ("learning_rate", "fast"),
    ("schedule", "step"),
    ("batch_size", 0),
    ("batch_size", 2.5),
    ("epochs", 0),
    ("stopping", "never"),
    ("patience", 0),
    ("weight_decay", -0.1),
    ("dropout", 1.0),
    ("input_dropout", -0.2),
    ("seed", -1),
    ("split_seed", True),
    ("validation_size", 0),
    ("validation_size", 60000),
    ("validation_size", 30001),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_every_invalid_field_is_named(field, value):
    with pytest.raises(ValueError) as caught:
        RunConfig(**{field: value})
    assert f"invalid {field}=" in str(caught.value)
    assert repr(value) in str(caught.value) or field == "hidden"


def test_early_stopping_on_test_split_is_refused():
    with pytest.raises(ValueError, match="test set may not be used"):
        RunConfig(split="test", stopping="patience")


def test_round_trip_and_key_stability():
    config = RunConfig(hidden=(100,), learning_rate=1, dropout=0)
    again = RunConfig.from_dict(config.to_dict())
    assert again == config
    assert run_key(again, "1") == run_key(RunConfig(hidden=[100], learning_rate=1.0), "1")
    assert run_key(config, "1") != run_key(config, "2")
    assert run_key(config, "1") != run_key(RunConfig(hidden=(100,), seed=1), "1")


def test_unknown_field_in_dict_is_named():
    with pytest.raises(ValueError, match="momentum"):
        RunConfig.from_dict({"momentum": 0.9})


def test_validation_keeps_at_least_half_the_training_images():
    assert RunConfig(validation_size=30000).train_size == 30000  # the bound itself is allowed
    with pytest.raises(ValueError, match="at least 30000 of the 60000 training images") as caught:
        RunConfig(validation_size=59999)
    assert caught.value.code == "config.validation_size"
