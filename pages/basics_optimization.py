"""1.6 Optimization loop: the handout's Fashion-MNIST training (or MNIST), run in a background worker."""

from __future__ import annotations

import math
import uuid

import altair as alt
import pandas as pd
import streamlit as st

from mlp_core.basics.playground import (
    LOSSES,
    PlaygroundConfig,
    run_playground,
    test_loop,
    train_loop,
)
from mlp_core.report.stats import wilson_interval
from ui.basics import (
    dataset_class_name,
    dataset_picker,
    header,
    playground_queue,
    section,
    source_without_docstrings,
)
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

LOSS_LABELS = {
    "cross_entropy": "CrossEntropyLoss",
    "nll": "NLLLoss after LogSoftmax",
    "mse": "MSELoss on one-hot targets",
}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
LOSS_CODE = {
    "cross_entropy": "loss_fn = nn.CrossEntropyLoss()",
    "nll": "loss_fn = lambda pred, y: nn.NLLLoss()(nn.LogSoftmax(dim=1)(pred), y)",
    "mse": "loss_fn = lambda pred, y: nn.MSELoss()(pred, one_hot(y))  # the 1.3 Lambda, batched",
}
DEFAULTS = PlaygroundConfig()

header(
    "1.6 Optimization loop",
    "1.6. Optimización de parámetros del modelo",
    "Each epoch has a training loop (predict, compute the loss, backpropagate, step) and a test "
    "loop (measure accuracy and loss on held-out images). The run happens in a background worker, "
    "so the page stays responsive and can stop it.",
)
handout_quote("1.6")

# -- hyperparameters ------------------------------------------------------------------------------
section("Hyperparameters", "Hiperparámetros")
columns = st.columns(4)
with columns[0]:
    dataset = dataset_picker("optim_dataset")
    loss = st.selectbox(
        "Loss function",
        list(LOSSES),
        format_func=LOSS_LABELS.get,
        key="optim_loss",
        help="; ".join(f"{LOSS_LABELS[name]}: {text}" for name, text in LOSSES.items()),
    )
with columns[1]:
    learning_rate = st.select_slider(
        "Learning rate",
        LEARNING_RATES,
        value=DEFAULTS.learning_rate,
        key="optim_lr",
        help="The handout's 1e-3 learns slowly with plain SGD; try 0.1.",
    )
    batch_size = st.number_input("Batch size", 1, 1024, DEFAULTS.batch_size, key="optim_batch")
with columns[2]:
    epochs = st.number_input("Epochs", 1, 20, DEFAULTS.epochs, key="optim_epochs")
    train_size = st.number_input(
        "Training images (random subset)",
        100,
        60000,
        DEFAULTS.train_size,
        step=1000,
        key="optim_train_size",
        help="The handout trains on all 60000.",
    )
with columns[3]:
    test_size = st.number_input(
        "Test images", 100, 10000, DEFAULTS.test_size, step=1000, key="optim_test_size"
    )
    seed = st.number_input("Seed", 0, 2**31 - 1, DEFAULTS.seed, key="optim_seed")
config = PlaygroundConfig(
    dataset=dataset,
    learning_rate=float(learning_rate),
    batch_size=int(batch_size),
    epochs=int(epochs),
    train_size=int(train_size),
    test_size=int(test_size),
    loss=loss,
    seed=int(seed),
)
steps = config.epochs * math.ceil(config.train_size / config.batch_size)
if config.epochs * config.train_size > 120_000 or steps > 5000:
    st.warning(
        f"{config.epochs} × {config.train_size} images in {steps} steps: this run takes a while on "
        "a shared CPU. You can stop it at any time."
    )

with st.expander("The code that runs (`mlp_core.basics.playground`)", expanded=False):
    st.code(
        f"""learning_rate = {config.learning_rate:g}
batch_size = {config.batch_size}
epochs = {config.epochs}
# a random {config.train_size} of the training images, the first {config.test_size} test images
training_data = datasets.{dataset_class_name(config.dataset)}(root="data", train=True, transform=ToTensor())
test_data = datasets.{dataset_class_name(config.dataset)}(root="data", train=False, transform=ToTensor())
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
model = NeuralNetwork()  # 784-512-512-10, torch.manual_seed({config.seed})
{LOSS_CODE[config.loss]}
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

for t in range(epochs):
    print(f"Epoch {{t+1}}\\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")""",
        language="python",
    )
    st.caption(
        "The handout's loops, which report to the page instead of printing and check a stop flag "
        "after every batch:"
    )
    st.code(source_without_docstrings(train_loop), language="python")
    st.code(source_without_docstrings(test_loop), language="python")

# -- the run --------------------------------------------------------------------------------------
queue = playground_queue()
if "optim_session" not in st.session_state:
    st.session_state.optim_session = uuid.uuid4().hex[:12]
    st.session_state.optim_runs = 0
    st.session_state.optim_job_key = None
job = queue.get(st.session_state.optim_job_key) if st.session_state.optim_job_key else None

if st.button(
    "Train",
    type="primary",
    icon=":material/play_arrow:",
    key="optim_train",
    disabled=bool(job and job.active),
):
    st.session_state.optim_runs += 1
    key = f"playground-{st.session_state.optim_session}-{st.session_state.optim_runs}"
    job = queue.submit(
        key,
        lambda report, should_stop, config=config: run_playground(config, report, should_stop),
        label=f"1.6 playground: {config.train_size} images, {config.epochs} epoch(s)",
    )
    st.session_state.optim_job_key = key


def loss_chart(losses: list[float]) -> alt.Chart:
    """Per-batch training loss and its running mean over 20 batches."""
    frame = pd.DataFrame({"batch": range(1, len(losses) + 1), "loss": losses})
    frame["mean of 20"] = frame["loss"].rolling(20, min_periods=1).mean()
    stride = max(1, len(frame) // 1500)  # keep the chart light on long runs
    long = frame.iloc[::stride].melt("batch", var_name="series", value_name="value")
    return (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("batch:Q", title="batch (all epochs)"),
            y=alt.Y("value:Q", title="training loss", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None),
        )
        .properties(height=260)
    )


@st.fragment(run_every=0.5 if job and job.active else None)
def show_run(polling: bool) -> None:
    """Progress, live loss chart, console output and results of this session's latest run."""
    key = st.session_state.optim_job_key
    current = queue.get(key) if key else None
    if current is None:
        st.info("Press **Train** to run the loop with these settings.")
        return
    if current.active and st.button("Stop", icon=":material/stop:", key="optim_stop"):
        current.cancel()
    events = list(current.events)
    batches = [event for event in events if event["kind"] == "batch"]
    lines = [event["text"] for event in events if event["kind"] == "line"]
    if current.status == "queued":
        st.info(
            f"Waiting for another run to finish (position {queue.position(current)} in the queue)."
        )
    fraction = batches[-1]["progress"] if batches else 0.0
    epoch_text = f"epoch {batches[-1]['epoch']}" if batches else "loading data"
    st.progress(
        fraction, text=f"{current.status}: {epoch_text}, {fraction:.0%}, {current.elapsed():.1f} s"
    )
    left, right = st.columns([3, 2])
    if batches:
        left.altair_chart(loss_chart([event["loss"] for event in batches]), width="stretch")
    right.code("\n".join(lines) or "(starting)", language=None, height=300)
    if current.status == "failed":
        st.error(f"The run failed: {current.error}")
    elif current.status == "cancelled":
        st.warning(f"Stopped after {len(batches)} batches.")
    elif current.status == "finished":
        result = current.result
        n = result.config.test_size
        errors = round((1 - result.test_accuracy[-1]) * n)
        interval = wilson_interval(errors, n)
        st.success(
            f"Test accuracy {result.test_accuracy[-1]:.1%} on n = {n} test images (error "
            f"{interval.error:.1%}, 95% Wilson interval {interval.lower:.1%} to {interval.upper:.1%}); "
            f"{len(result.batch_losses)} SGD steps in {result.seconds:.1f} s."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "epoch": range(1, len(result.test_accuracy) + 1),
                    "test accuracy": result.test_accuracy,
                    "test loss": result.test_loss,
                }
            ).style.format({"test accuracy": "{:.1%}", "test loss": "{:.6f}"}),
            hide_index=True,
        )
        if result.test_accuracy[-1] < 0.5 and result.config.learning_rate <= 1e-3:
            st.info(
                f"Plain SGD with learning rate {result.config.learning_rate:g} moves the weights "
                f"little in {len(result.batch_losses)} steps, so accuracy stays near chance (10%). "
                "The handout reaches 44.7% after one full epoch (938 steps). Try a learning rate of "
                "0.1, or more images and epochs."
            )
    if polling and not current.active:
        st.rerun()  # the run ended: redraw the page once, without the polling timer


section("Run", "Bucle de optimización")
show_run(bool(job and job.active))
