"""The vocabulary of a run: the data sets and their class names, the activations, optimizers,
stopping rules and schedules a `mlp_core.config.RunConfig` may name, each optimizer's default
learning rate, and the official set sizes. Plain data that pages read without torch.

Imports nothing from `mlp_core`.
"""

from __future__ import annotations

DATASETS: tuple[str, ...] = ("mnist", "fashion_mnist")
#: How messages and pages name each data set.
DATASET_TITLES: dict[str, str] = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
#: The names of the ten classes, by label (MNIST's are its digits).
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-Shirt",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle Boot",
    ),
}
SPLITS: tuple[str, ...] = ("validation", "test")
ACTIVATIONS: tuple[str, ...] = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu")
OPTIMIZERS: tuple[str, ...] = (
    "sgd",
    "sgd_momentum",
    "adadelta",
    "adagrad",
    "adam",
    "adamw",
    "rmsprop",
)
STOPPING_RULES: tuple[str, ...] = ("fixed", "patience")
SCHEDULES: tuple[str, ...] = ("constant", "cosine")

#: PyTorch's own default learning rate for each optimizer (SGD has none; 0.1 is the usual choice).
#: The handout passes 1e-3 to every optimizer, which starves SGD and Adadelta.
DEFAULT_LEARNING_RATES: dict[str, float] = {
    "sgd": 0.1,
    "sgd_momentum": 0.01,
    "adadelta": 1.0,
    "adagrad": 0.01,
    "adam": 1e-3,
    "adamw": 1e-3,
    "rmsprop": 1e-3,
}

#: Official MNIST / Fashion-MNIST sizes: 60000 training images, 10000 test images.
TRAIN_SIZE = 60000
TEST_SIZE = 10000
#: At most half of the official training images may be held out for validation, so that a
#: validation run always trains on at least 30000 images (the handout holds out 6000). A larger
#: share would leave a network that has seen too few images to say anything about the handout's.
MAX_VALIDATION_SIZE = TRAIN_SIZE // 2
