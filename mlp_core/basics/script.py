"""The handout's section 1.6 script as `mlp_core.basics.playground.run_playground` runs it, as text.

Page 1.6 shows this text beside the run, so that what a student reads is what runs: the same
hyperparameters, data set class, loss function and seed as the `PlaygroundConfig`. Code, not
prose: it reads the same in every language.
"""

from __future__ import annotations

from mlp_core.basics.playground import PlaygroundConfig

#: The handout's ``loss_fn`` line for each `mlp_core.basics.playground.LOSSES` key.
LOSS_CODE: dict[str, str] = {
    "cross_entropy": "loss_fn = nn.CrossEntropyLoss()",
    "nll": "loss_fn = lambda pred, y: nn.NLLLoss()(nn.LogSoftmax(dim=1)(pred), y)",
    "mse": "loss_fn = lambda pred, y: nn.MSELoss()(pred, one_hot(y))  # the 1.3 Lambda, batched",
}


def torchvision_class(dataset: str) -> str:
    """The torchvision class of ``dataset`` as the handout's code names it.

    >>> torchvision_class("fashion_mnist"), torchvision_class("mnist")
    ('FashionMNIST', 'MNIST')
    """
    return "FashionMNIST" if dataset == "fashion_mnist" else "MNIST"


def playground_script(config: PlaygroundConfig) -> str:
    """The section 1.6 script with the values of ``config`` filled in.

    Parameters
    ----------
    config : PlaygroundConfig
        The run the page is about to start (or has run).

    Returns
    -------
    str
        Python source: the hyperparameters, the data sets and loaders, the model, the loss and
        optimizer, and the epoch loop calling ``train_loop`` and ``test_loop``.

    Examples
    --------
    >>> print(playground_script(PlaygroundConfig(epochs=2)).splitlines()[2])
    epochs = 2
    """
    data_class = torchvision_class(config.dataset)
    return f"""learning_rate = {config.learning_rate:g}
batch_size = {config.batch_size}
epochs = {config.epochs}
# a random {config.train_size} of the training images, the first {config.test_size} test images
training_data = datasets.{data_class}(root="data", train=True, transform=ToTensor())
test_data = datasets.{data_class}(root="data", train=False, transform=ToTensor())
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
model = NeuralNetwork()  # 784-512-512-10, torch.manual_seed({config.seed})
{LOSS_CODE[config.loss]}
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

for t in range(epochs):
    print(f"Epoch {{t+1}}\\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")"""
