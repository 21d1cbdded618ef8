"""Flags shared by the commands: one per `RunConfig` field, and argparse's one-line errors."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import NoReturn

from mlp_core.choices import ACTIVATIONS, DATASETS, OPTIMIZERS, SCHEDULES, STOPPING_RULES
from mlp_core.config import RunConfig

FIELD_HELP = {
    "dataset": f"data set: {', '.join(DATASETS)}",
    "split": "validation: 54000/6000 of the official training set; test: official 60000/10000",
    "hidden": "hidden layer widths, comma-separated (e.g. 500,300); 'none' for softmax regression",
    "activation": f"activation after each hidden layer: {', '.join(ACTIVATIONS)}",
    "optimizer": f"optimizer: {', '.join(OPTIMIZERS)}",
    "learning_rate": "initial learning rate (> 0)",
    "schedule": f"learning-rate schedule: {', '.join(SCHEDULES)}",
    "batch_size": "examples per optimizer step",
    "epochs": "epochs to train (the maximum with --stopping patience)",
    "stopping": f"stopping rule: {', '.join(STOPPING_RULES)} (patience restores the best epoch)",
    "patience": "epochs without validation improvement before stopping (--stopping patience)",
    "weight_decay": "L2 weight decay (>= 0)",
    "dropout": "dropout after each hidden activation, in [0, 1)",
    "input_dropout": "dropout on the input pixels, in [0, 1)",
    "seed": "seed of the weights, batch order and dropout",
    "split_seed": "seed of the 54000/6000 partition",
    "validation_size": "images held out for validation, 1 to 30000 (default 6000)",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports bad input in one line (exit status 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid hidden={text!r}: comma-separated integers, e.g. 500,300, or 'none'"
        ) from None


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, defaults from the dataclass (the handout's experiment)."""
    defaults = RunConfig()
    for field in fields(RunConfig):
        default = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        if field.name == "hidden":
            shown = ",".join(map(str, default))
            parser.add_argument(
                flag,
                type=parse_hidden,
                default=default,
                help=f"{FIELD_HELP[field.name]} (default {shown})",
            )
        else:
            parser.add_argument(
                flag,
                type=type(default),
                default=default,
                help=f"{FIELD_HELP[field.name]} (default {default})",
            )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    return RunConfig(**{field.name: getattr(args, field.name) for field in fields(RunConfig)})
