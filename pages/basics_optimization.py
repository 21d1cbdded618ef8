"""1.6 Optimization loop: the handout's Fashion-MNIST training (or MNIST), run in a background worker."""

from __future__ import annotations

import math
import uuid

import pandas as pd
import streamlit as st

from mlp_core.basics.playground import (
    LOSSES,
    PlaygroundConfig,
    run_playground,
    test_loop,
    train_loop,
)
from mlp_core.basics.script import playground_script
from mlp_core.report.intervals import wilson_interval
from mlp_core.store.jobs import Job, JobQueue
from ui import jobs
from ui.basics import header, section, source_without_docstrings
from ui.basics_charts import LossChartLabels, loss_chart
from ui.basics_data import dataset_picker, playground_queue
from ui.i18n import (
    N_,
    _,
    chart_locale,
    count,
    decimal,
    duration,
    handout_quote,
    ngettext,
    number,
    percent,
)
from ui.router import require_router

require_router()

#: The loss functions by `mlp_core.basics.playground.LOSSES` key: (name, what it computes).
LOSS_LABELS = {
    "cross_entropy": (N_("CrossEntropyLoss"), N_("nn.CrossEntropyLoss() on the logits")),
    "nll": (N_("NLLLoss after LogSoftmax"), N_("nn.NLLLoss() after nn.LogSoftmax(dim=1)")),
    "mse": (
        N_("MSELoss on one-hot targets"),
        N_("nn.MSELoss() between the 10 outputs and the one-hot target"),
    ),
}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
DEFAULTS = PlaygroundConfig()


def loss_widget() -> str:
    # Labels translated now, for this run (a format function is also called outside the run).
    labels = {name: _(LOSS_LABELS[name][0]) for name in LOSSES}
    return st.selectbox(
        _("Loss function"),
        list(LOSSES),
        format_func=labels.__getitem__,
        key="optim_loss",
        help="; ".join(f"{labels[name]}: {_(LOSS_LABELS[name][1])}" for name in LOSSES),
    )


def hyperparameters() -> PlaygroundConfig:
    """The widgets of the section 1.6 script; returns the config they describe."""
    section(_("Hyperparameters"), "Hiperparámetros")
    notes = st.container()  # full width, above the narrow columns
    columns = st.columns(4)
    with columns[0]:
        dataset = dataset_picker("optim_dataset", notes=notes)
        loss = loss_widget()
    with columns[1]:
        learning_rate = st.select_slider(
            _("Learning rate"),
            LEARNING_RATES,
            value=DEFAULTS.learning_rate,
            format_func={rate: number(rate) for rate in LEARNING_RATES}.__getitem__,
            key="optim_lr",
            help=_("The handout's 1e-3 learns slowly with plain SGD; try 0.1."),
        )
        batch_size = st.number_input(
            _("Batch size"), 1, 1024, DEFAULTS.batch_size, key="optim_batch"
        )
    with columns[2]:
        epochs = st.number_input(_("Epochs"), 1, 20, DEFAULTS.epochs, key="optim_epochs")
        train_size = st.number_input(
            _("Training images (random subset)"),
            100,
            60000,
            DEFAULTS.train_size,
            step=1000,
            key="optim_train_size",
            help=_("The handout trains on all 60000."),
        )
    with columns[3]:
        test_size = st.number_input(
            _("Test images"), 100, 10000, DEFAULTS.test_size, step=1000, key="optim_test_size"
        )
        seed = st.number_input(_("Seed"), 0, 2**31 - 1, DEFAULTS.seed, key="optim_seed")
    return PlaygroundConfig(
        dataset=dataset,
        learning_rate=float(learning_rate),
        batch_size=int(batch_size),
        epochs=int(epochs),
        train_size=int(train_size),
        test_size=int(test_size),
        loss=loss,
        seed=int(seed),
    )


def warn_if_long(config: PlaygroundConfig) -> None:
    steps = config.epochs * math.ceil(config.train_size / config.batch_size)
    if config.epochs * config.train_size > 120_000 or steps > 5000:
        st.warning(
            _(
                "{passes} × {images} images in {steps} steps: this run takes a while on a shared "
                "CPU. You can stop it at any time."
            ).format(passes=config.epochs, images=count(config.train_size), steps=count(steps))
        )


def show_code(config: PlaygroundConfig) -> None:
    """The script that runs with these values, and the handout's two loops."""
    with st.expander(_("The code that runs (`mlp_core.basics.playground`)"), expanded=False):
        st.code(playground_script(config), language="python")
        st.caption(
            _(
                "The handout's loops, which report to the page instead of printing and check a "
                "stop flag after every batch:"
            )
        )
        st.code(source_without_docstrings(train_loop), language="python")
        st.code(source_without_docstrings(test_loop), language="python")


def start_button(queue: JobQueue, config: PlaygroundConfig) -> None:
    """The Train button (disabled while this session's run is active): submits ``config``."""
    key = st.session_state.optim_job_key
    job = queue.get(key) if key else None
    if not st.button(
        _("Train"),
        type="primary",
        icon=":material/play_arrow:",
        key="optim_train",
        disabled=bool(job and job.active),
    ):
        return
    st.session_state.optim_runs += 1
    key = f"playground-{st.session_state.optim_session}-{st.session_state.optim_runs}"
    # Named in English for logs; a page names it in its reader's language (`ui.jobs.job_label`).
    label = f"1.6 playground: {config.train_size} images, {config.epochs} epoch(s)"
    queue.submit(
        key,
        lambda report, should_stop, config=config: run_playground(config, report, should_stop),
        label=label,
        kind="playground",
        subject=config,
    )
    st.session_state.optim_job_key = key


def show_progress(queue: JobQueue, current: Job, batches: list[dict], lines: list[str]) -> None:
    """The queue position, the progress bar, the live loss chart and the console."""
    if current.status == "queued":
        st.info(
            _("Waiting for another run to finish (position {position} in the queue).").format(
                position=queue.position(current)
            )
        )
    fraction = batches[-1]["progress"] if batches else 0.0
    stage = _("loading data")
    if batches:
        stage = _("epoch {epoch}").format(epoch=batches[-1]["epoch"])
    status = jobs.status_text(current.status)
    st.progress(
        fraction,
        text=_("{status}: {stage}, {done}, {seconds}").format(
            status=status,
            stage=stage,
            done=percent(fraction, 0),
            seconds=duration(current.elapsed()),
        ),
    )
    left, right = st.columns([3, 2])
    if batches:
        labels = LossChartLabels(
            batch_axis=_("batch (all epochs)"),
            loss_axis=_("training loss"),
            loss_series=_("loss"),
            mean_series=_("mean of 20"),
        )
        chart = loss_chart([event["loss"] for event in batches], labels, chart_locale())
        left.altair_chart(chart, width="stretch")
    right.code("\n".join(lines) or _("(starting)"), language=None, height=300)


def show_result(current: Job) -> None:
    """Test accuracy with its Wilson interval, per-epoch metrics, and a hint for slow SGD."""
    result = current.result
    n = result.config.test_size
    accuracy = result.test_accuracy[-1]
    interval = wilson_interval(round((1 - accuracy) * n), n)
    st.success(
        _(
            "Test accuracy {accuracy} on n = {n} test images (error {error}, 95% Wilson interval "
            "{lower} to {upper}); {steps} SGD steps in {seconds}."
        ).format(
            accuracy=percent(accuracy, 1),
            n=count(n),
            error=percent(interval.error, 1),
            lower=percent(interval.lower, 1),
            upper=percent(interval.upper, 1),
            steps=count(len(result.batch_losses)),
            seconds=duration(result.seconds),
        )
    )
    # Numbers stay numbers (they sort as numbers); the table shows them in the viewer's marks.
    formats = {_("test accuracy"): lambda v: percent(v, 1), _("test loss"): lambda v: decimal(v, 6)}
    frame = pd.DataFrame(dict(zip(formats, (result.test_accuracy, result.test_loss), strict=True)))
    frame.insert(0, _("epoch"), range(1, len(frame) + 1))
    st.dataframe(frame.style.format(formats), hide_index=True)
    if accuracy < 0.5 and result.config.learning_rate <= 1e-3:
        st.info(
            _(
                "Plain SGD with learning rate {rate} moves the weights little in {steps} steps, so "
                "accuracy stays near chance (10%). The handout reaches 44.7% after one full epoch "
                "(938 steps). Try a learning rate of 0.1, or more images and epochs."
            ).format(
                rate=number(result.config.learning_rate), steps=count(len(result.batch_losses))
            )
        )


def show_run(queue: JobQueue, polling: bool) -> None:
    """Progress, live loss chart, console output and results of this session's latest run."""
    key = st.session_state.optim_job_key
    current = queue.get(key) if key else None
    if current is None:
        st.info(_("Press **Train** to run the loop with these settings."))
        return
    if current.active and st.button(_("Stop"), icon=":material/stop:", key="optim_stop"):
        current.cancel()
    events = list(current.events)
    batches = [event for event in events if event["kind"] == "batch"]
    lines = [event["text"] for event in events if event["kind"] == "line"]
    show_progress(queue, current, batches, lines)
    if current.status == "failed":
        st.error(_("The run failed: {error}").format(error=jobs.job_error(current)))
    elif current.status == "cancelled":
        stopped = ngettext("Stopped after {n} batch.", "Stopped after {n} batches.", len(batches))
        st.warning(stopped.format(n=count(len(batches))))
    elif current.status == "finished":
        show_result(current)
    if polling and not current.active:
        st.rerun()  # the run ended: redraw the page once, without the polling timer


def main() -> None:
    header(
        _("1.6 Optimization loop"),
        "1.6. Optimización de parámetros del modelo",
        _(
            "Each epoch has a training loop (predict, compute the loss, backpropagate, step) and a "
            "test loop (measure accuracy and loss on held-out images). The run happens in a "
            "background worker, so the page stays responsive and can stop it."
        ),
    )
    handout_quote("1.6")
    config = hyperparameters()
    warn_if_long(config)
    show_code(config)
    queue = playground_queue()
    if "optim_session" not in st.session_state:
        st.session_state.optim_session = uuid.uuid4().hex[:12]
        st.session_state.optim_runs = 0
        st.session_state.optim_job_key = None
    start_button(queue, config)
    key = st.session_state.optim_job_key
    job = queue.get(key) if key else None
    section(_("Run"), "Bucle de optimización")
    active = bool(job and job.active)
    st.fragment(show_run, run_every=0.5 if active else None)(queue, active)


main()
