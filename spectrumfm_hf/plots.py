"""Figures a person reads at a glance: accuracy vs SNR, confusion matrices, ROC curves, loss
curves, t-SNE of embeddings and few-shot bars, each written to a PNG file.

Every function takes plain arrays or dicts and a path, and returns the path of the PNG it wrote.
Figures are drawn on matplotlib's Agg canvas without ``pyplot``: no display is needed and no
global backend or figure state is touched. The file appears whole or not at all (written beside
the target, then renamed).
"""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 120
# Distinct colours for up to 20 series; more cycle with a different line style.
_PALETTE = "tab20"
_LINE_STYLES = ("-", "--", ":", "-.")


class PlotInputError(ValueError):
    """Data that cannot be drawn: empty, mismatched lengths, wrong shape or non-finite values."""


def _figure(width_in: float, height_in: float) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise PlotInputError(f"path must name a .png file, got {os.fspath(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial.png")
    try:
        figure.savefig(partial, format="png")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _series(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise PlotInputError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise PlotInputError(f"{name} holds NaN or Inf; expected finite numbers")
    return array


def _paired_series(
    pair: Any, name: str, first: tuple[str, str], second: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Two equally long series given as a pair; ``first`` and ``second`` are (field name, plural noun)."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise PlotInputError(f"{name} must be a ({first[0]}, {second[0]}) pair")
    x, y = _series(pair[0], f"{name} {first[0]}"), _series(pair[1], f"{name} {second[0]}")
    if x.shape != y.shape:
        raise PlotInputError(
            f"{name}: {x.size} {first[1]} but {y.size} {second[1]}; expected one per {first[0]}"
        )
    return x, y


def _non_empty_mapping(value: Any, name: str, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of {what}, got {type(value).__name__}")
    if not value:
        raise PlotInputError(f"{name} is empty; expected at least one entry of {what}")
    return value


def _style(index: int) -> dict[str, Any]:
    colours = np.asarray(matplotlib.colormaps[_PALETTE].colors)
    # tab20 pairs a dark and a light shade: take the dark ones first so few series stay distinct.
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))
    return {"color": colours[order[index % 20]], "linestyle": _LINE_STYLES[(index // 20) % len(_LINE_STYLES)]}


def plot_accuracy_vs_snr(
    accuracy_by_model: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | os.PathLike[str],
    title: str = "Classification accuracy vs SNR",
    chance_accuracy: float | None = None,
) -> Path:
    """One line per model: accuracy (%) against SNR (dB).

    Args:
        accuracy_by_model: model name -> ``(snr_db, accuracy)``, accuracy as a fraction in [0, 1].
        path: the PNG to write.
        title: the figure title (say the task and data set).
        chance_accuracy: fraction a guess reaches (1 / classes), drawn as a dotted line.
    """
    _non_empty_mapping(accuracy_by_model, "accuracy_by_model", "(snr_db, accuracy) pairs")
    # Beyond a few lines the legend would cover the curves: it then stands beside the axes.
    legend_outside = len(accuracy_by_model) > 4
    figure = _figure(9.0 if legend_outside else 7.0, 4.5)
    axes = figure.add_subplot()
    for index, (model, pair) in enumerate(accuracy_by_model.items()):
        snr_db, accuracy = _paired_series(
            pair, f"accuracy_by_model[{model!r}]", ("snr_db", "SNRs"), ("accuracy", "accuracies")
        )
        order = np.argsort(snr_db)
        axes.plot(
            snr_db[order], 100 * accuracy[order], marker="o", markersize=4, label=str(model), **_style(index)
        )
    if chance_accuracy is not None:
        axes.axhline(
            100 * chance_accuracy, color="grey", linestyle=":", label=f"chance ({100 * chance_accuracy:.1f}%)"
        )
    axes.set_ylim(0, 100)
    axes.set_xlabel("SNR (dB)")
    axes.set_ylabel("accuracy (%)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if legend_outside:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    else:
        axes.legend(loc="lower right", fontsize="small")
    return _save(figure, path)


def plot_confusion_matrix(
    confusion: Any,
    class_names: Sequence[str],
    path: str | os.PathLike[str],
    title: str = "Confusion matrix (normalised per true class)",
) -> Path:
    """The confusion matrix with each row (true class) normalised to sum to 1.

    Args:
        confusion: ``(classes, classes)`` counts, rows the true class, columns the predicted one
            (as ``sklearn.metrics.confusion_matrix`` returns).
        class_names: one name per class, in index order.
        path: the PNG to write.
        title: the figure title.
    """
    counts = np.asarray(confusion, dtype=np.float64)
    names = [str(name) for name in class_names]
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise PlotInputError(
            f"confusion must be a square (classes, classes) matrix, got shape {counts.shape}"
        )
    if counts.shape[0] != len(names):
        raise PlotInputError(
            f"confusion has {counts.shape[0]} classes but class_names has {len(names)}; "
            "expected one name per class"
        )
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise PlotInputError("confusion must hold finite, non-negative counts")
    totals = counts.sum(axis=1, keepdims=True)
    normalised = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    classes = len(names)
    side = min(max(4.5, 0.42 * classes + 2.5), 14.0)
    figure = _figure(side + 1.0, side)
    axes = figure.add_subplot()
    image = axes.imshow(normalised, cmap="Blues", vmin=0.0, vmax=1.0)
    colourbar = figure.colorbar(image, ax=axes, shrink=0.8)
    colourbar.set_label("fraction of the true class")
    ticks = np.arange(classes)
    few = classes <= 12
    axes.set_xticks(
        ticks,
        names,
        rotation=45 if few else 90,
        ha="right" if few else "center",
        fontsize="small" if few else "x-small",
    )
    axes.set_yticks(ticks, names, fontsize="small" if few else "x-small")
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    # Every cell's value while they fit; beyond 16 classes only the diagonal (per-class recall).
    cells = np.ndindex(normalised.shape) if classes <= 16 else ((index, index) for index in range(classes))
    for row, column in cells:
        value = normalised[row, column]
        # Dark cells get white text so the number stays readable.
        axes.text(
            column,
            row,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize="x-small" if classes > 8 else "small",
            color="white" if value > 0.5 else "black",
        )
    return _save(figure, path)


def plot_roc_curves(
    curves: Mapping[str | tuple[str, str], tuple[Sequence[int], Sequence[float]]],
    path: str | os.PathLike[str],
    title: str = "ROC curves",
) -> Path:
    """ROC curves (detection probability against false-alarm probability), AUC in the legend.

    Args:
        curves: curve name -> ``(is_positive, score)``: per example 1 for a signal / anomaly and 0
            otherwise, and the detector's score (higher = more likely positive); both classes must
            occur in every curve. A name may be a pair such as ``("single tone", "ISR 0 dB")``:
            curves of one group (interference type) then share a colour and each variant (ISR)
            has its own line style, so a family of curves reads at a glance.
        path: the PNG to write.
        title: the figure title (say the task and, for sensing, the SNR).
    """
    from sklearn.metrics import auc, roc_curve

    _non_empty_mapping(curves, "curves", "(is_positive, score) pairs")
    grouped = all(isinstance(name, tuple) and len(name) == 2 for name in curves)
    groups = list(dict.fromkeys(name[0] for name in curves)) if grouped else []
    variants = list(dict.fromkeys(name[1] for name in curves)) if grouped else []
    figure = _figure(6.5, 6.0)
    axes = figure.add_subplot()
    for index, (name, pair) in enumerate(curves.items()):
        positive, score = _paired_series(
            pair, f"curves[{name!r}]", ("is_positive", "labels"), ("score", "scores")
        )
        if set(np.unique(positive)) != {0.0, 1.0}:
            raise PlotInputError(
                f"curves[{name!r}]: is_positive must hold both 0 and 1, "
                f"got values {np.unique(positive)[:5].tolist()}"
            )
        false_alarm, detection, _ = roc_curve(positive, score)
        if grouped:
            style = {
                "color": _style(groups.index(name[0]))["color"],
                "linestyle": _LINE_STYLES[variants.index(name[1]) % len(_LINE_STYLES)],
            }
            label = f"{name[0]}, {name[1]}"
        else:
            style, label = _style(index), str(name)
        axes.plot(
            false_alarm,
            detection,
            label=f"{label} (AUC = {auc(false_alarm, detection):.3f})",
            linewidth=1.6,
            **style,
        )
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance (AUC = 0.500)")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.set_aspect("equal")
    axes.set_xlabel("false-alarm probability $P_{FA}$")
    axes.set_ylabel("detection probability $P_D$")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small" if len(curves) <= 8 else "x-small")
    return _save(figure, path)


def plot_loss_curves(
    log_history: Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str],
    title: str = "Training and validation loss",
    loss_name: str = "loss",
) -> Path:
    """Training loss and validation loss against epoch, from a ``Trainer``'s ``state.log_history``.

    Args:
        log_history: the ``Trainer`` log entries; those with ``loss`` are training, those with
            ``eval_loss`` validation. The x axis is ``epoch`` when every entry has one, else ``step``.
        path: the PNG to write.
        title: the figure title.
        loss_name: the loss, with its kind, for the y axis (e.g. ``"cross-entropy"``, ``"MSE"``).
    """
    if isinstance(log_history, (str, bytes)) or not isinstance(log_history, Sequence):
        raise TypeError(f"log_history must be a list of Trainer log dicts, got {type(log_history).__name__}")
    training = [entry for entry in log_history if isinstance(entry, Mapping) and "loss" in entry]
    validation = [entry for entry in log_history if isinstance(entry, Mapping) and "eval_loss" in entry]
    if not training and not validation:
        raise PlotInputError(
            "log_history holds no entry with 'loss' or 'eval_loss'; expected a Trainer's state.log_history"
        )
    x_key = "epoch" if all("epoch" in entry for entry in training + validation) else "step"
    figure = _figure(7.0, 4.5)
    axes = figure.add_subplot()
    losses = []
    for entries, key, label, style in (
        (training, "loss", "training", {"color": "tab:blue", "linewidth": 1.4}),
        (
            validation,
            "eval_loss",
            "validation",
            {"color": "tab:orange", "marker": "o", "markersize": 4, "linewidth": 1.6},
        ),
    ):
        if not entries:
            continue
        if any(x_key not in entry for entry in entries):
            raise PlotInputError(f"log_history entries with {key!r} must all have {x_key!r}")
        x = _series([entry[x_key] for entry in entries], f"log_history {x_key}")
        y = _series([entry[key] for entry in entries], f"log_history {key}")
        axes.plot(x, y, label=label, **style)
        losses.append(y)
    all_losses = np.concatenate(losses)
    # Losses that fall by orders of magnitude read better on a log axis.
    if all_losses.min() > 0 and all_losses.max() / all_losses.min() > 30:
        axes.set_yscale("log")
    axes.set_xlabel("epoch" if x_key == "epoch" else "optimisation step")
    axes.set_ylabel(loss_name)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right")
    return _save(figure, path)


def plot_tsne(
    embeddings: Any,
    labels: Sequence[int],
    class_names: Sequence[str],
    path: str | os.PathLike[str],
    title: str = "t-SNE of encoder embeddings",
    max_points: int = 2000,
    seed: int = 0,
) -> Path:
    """A 2-D t-SNE map of embeddings, one colour per class.

    Args:
        embeddings: ``(examples, features)`` vectors, e.g. mean-pooled encoder outputs.
        labels: class index of each example.
        class_names: one name per class index.
        path: the PNG to write.
        title: the figure title.
        max_points: at most this many examples are embedded (t-SNE costs grow quadratically),
            drawn at random without replacement with ``seed``.
        seed: seed of the subsample and of t-SNE.
    """
    from sklearn.manifold import TSNE

    vectors = np.asarray(embeddings, dtype=np.float64)
    classes = np.asarray(labels)
    names = [str(name) for name in class_names]
    if vectors.ndim != 2 or vectors.shape[0] < 4:
        raise PlotInputError(
            f"embeddings must be (examples, features) with at least 4 examples, got shape {vectors.shape}"
        )
    if classes.shape != (vectors.shape[0],) or classes.dtype.kind not in "iu":
        raise PlotInputError(
            f"labels must be {vectors.shape[0]} integer class indices, "
            f"got {classes.dtype} of shape {classes.shape}"
        )
    if classes.min() < 0 or classes.max() >= len(names):
        raise PlotInputError(
            f"labels must lie in [0, {len(names)}) (one name per class), "
            f"got range [{classes.min()}, {classes.max()}]"
        )
    if not np.isfinite(vectors).all():
        raise PlotInputError("embeddings hold NaN or Inf; expected finite vectors")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 4:
        raise PlotInputError(f"max_points must be an integer of at least 4, got {max_points!r}")
    rng = np.random.default_rng(seed)
    if vectors.shape[0] > max_points:
        keep = np.sort(rng.choice(vectors.shape[0], size=max_points, replace=False))
        vectors, classes = vectors[keep], classes[keep]
    # Perplexity must stay below the number of points; 30 is scikit-learn's default.
    perplexity = float(min(30.0, (vectors.shape[0] - 1) / 3))
    points = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(vectors)
    figure = _figure(7.5, 6.0)
    axes = figure.add_subplot()
    present = np.unique(classes)
    for index, class_index in enumerate(present):
        chosen = classes == class_index
        axes.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=9,
            alpha=0.75,
            label=names[class_index],
            color=_style(index)["color"],
            linewidths=0,
        )
    axes.set_xlabel("t-SNE dimension 1 (arbitrary units)")
    axes.set_ylabel("t-SNE dimension 2 (arbitrary units)")
    axes.set_title(f"{title} ({vectors.shape[0]} examples)")
    axes.legend(
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize="small" if len(present) <= 12 else "x-small",
        markerscale=2.0,
        ncols=1 if len(present) <= 16 else 2,
        title="class",
    )
    return _save(figure, path)


def plot_few_shot(
    accuracy_by_model: Mapping[str, Mapping[float, float]],
    path: str | os.PathLike[str],
    title: str = "Few-shot accuracy vs fraction of training labels",
) -> Path:
    """Grouped bars: for each fraction of training labels, one bar of accuracy (%) per model.

    Args:
        accuracy_by_model: model name -> {label fraction in (0, 1] -> accuracy fraction in [0, 1]}.
        path: the PNG to write.
        title: the figure title.
    """
    _non_empty_mapping(accuracy_by_model, "accuracy_by_model", "{label fraction: accuracy} dicts")
    fractions: set[float] = set()
    for model, by_fraction in accuracy_by_model.items():
        _non_empty_mapping(by_fraction, f"accuracy_by_model[{model!r}]", "label fraction -> accuracy")
        for fraction, accuracy in by_fraction.items():
            if not 0 < float(fraction) <= 1 or not 0 <= float(accuracy) <= 1:
                raise PlotInputError(
                    f"accuracy_by_model[{model!r}]: label fraction {fraction!r} must lie in (0, 1] and "
                    f"accuracy {accuracy!r} in [0, 1]"
                )
            fractions.add(float(fraction))
    groups = sorted(fractions)
    models = list(accuracy_by_model)
    width = 0.8 / len(models)
    figure = _figure(max(6.0, 1.2 * len(groups) * max(1, len(models) / 2) + 2), 4.5)
    axes = figure.add_subplot()
    positions = np.arange(len(groups))
    for index, model in enumerate(models):
        by_fraction = {
            float(fraction): float(accuracy) for fraction, accuracy in accuracy_by_model[model].items()
        }
        heights = np.array([100 * by_fraction.get(fraction, math.nan) for fraction in groups])
        offset = (index - (len(models) - 1) / 2) * width
        bars = axes.bar(
            positions + offset,
            np.nan_to_num(heights),
            width * 0.95,
            label=str(model),
            color=_style(index)["color"],
        )
        if len(models) * len(groups) <= 24:
            axes.bar_label(
                bars,
                labels=["" if math.isnan(h) else f"{h:.0f}" for h in heights],
                fontsize="x-small",
                padding=2,
            )
    axes.set_xticks(positions, [f"{100 * fraction:g}%" for fraction in groups])
    # Head room above 100% keeps the legend clear of the tallest bars.
    axes.set_ylim(0, 118)
    axes.set_yticks(np.arange(0, 101, 20))
    axes.set_xlabel("training labels used (% of the training set)")
    axes.set_ylabel("accuracy (%)")
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small", ncols=min(len(models), 4))
    return _save(figure, path)
