"""Every plot writes a readable, non-blank PNG; bad data is refused with a message naming it."""

import numpy as np
import pytest
from PIL import Image

from spectrumfm_hf import plots

CLASS_NAMES = ["BPSK", "QPSK", "8PSK", "QAM16"]


def _assert_non_blank_png(path, minimum_size=(400, 300)):
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size[0] >= minimum_size[0] and image.size[1] >= minimum_size[1]
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.var() > 0


def test_accuracy_vs_snr_writes_a_png(tmp_path):
    snr_db = np.arange(-10, 12, 2)
    path = plots.plot_accuracy_vs_snr(
        {
            "SpectrumFM": (snr_db, np.linspace(0.2, 0.9, snr_db.size)),
            "ResNet": (snr_db, np.linspace(0.1, 0.8, snr_db.size)),
        },
        tmp_path / "accuracy.png",
        chance_accuracy=0.25,
    )
    _assert_non_blank_png(path)


def test_confusion_matrix_writes_a_png(tmp_path):
    confusion = np.array([[9, 1, 0, 0], [2, 7, 1, 0], [0, 1, 8, 1], [0, 0, 3, 7]])
    _assert_non_blank_png(plots.plot_confusion_matrix(confusion, CLASS_NAMES, tmp_path / "confusion.png"))


def test_roc_curves_write_a_png(tmp_path):
    rng = np.random.default_rng(0)
    positive = np.r_[np.zeros(50), np.ones(50)]
    curves = {
        f"single tone, ISR {isr} dB": (positive, rng.normal(size=100) + positive * isr / 5)
        for isr in (0, 5, 10)
    }
    _assert_non_blank_png(plots.plot_roc_curves(curves, tmp_path / "roc.png"))


def test_loss_curves_write_a_png(tmp_path):
    log_history = [{"loss": 2.0 / (step + 1), "epoch": step / 10, "step": step} for step in range(30)]
    log_history += [
        {"eval_loss": 2.5 / (epoch + 1), "epoch": float(epoch), "step": 10 * epoch} for epoch in (1, 2)
    ]
    _assert_non_blank_png(plots.plot_loss_curves(log_history, tmp_path / "loss.png"))


def test_tsne_writes_a_png(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 15)
    embeddings = rng.normal(size=(4, 8))[labels] * 4 + rng.normal(size=(60, 8))
    _assert_non_blank_png(plots.plot_tsne(embeddings, labels, CLASS_NAMES, tmp_path / "tsne.png"))


def test_few_shot_bars_write_a_png(tmp_path):
    accuracy = {"SpectrumFM": {0.1: 0.7, 0.3: 0.8, 1.0: 0.9}, "ResNet": {0.1: 0.4, 0.3: 0.6, 1.0: 0.8}}
    _assert_non_blank_png(plots.plot_few_shot(accuracy, tmp_path / "few_shot.png"))


def test_plot_creates_missing_parent_folders(tmp_path):
    path = plots.plot_confusion_matrix(np.eye(2), ["a", "b"], tmp_path / "figures" / "new" / "confusion.png")
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == ["confusion.png"]


def test_tsne_subsamples_to_max_points(tmp_path):
    labels = np.arange(300) % 2
    embeddings = np.random.default_rng(0).normal(size=(300, 4)) + labels[:, None] * 5
    path = plots.plot_tsne(embeddings, labels, ["a", "b"], tmp_path / "tsne.png", max_points=40)
    _assert_non_blank_png(path)


def test_confusion_matrix_needs_one_name_per_class(tmp_path):
    with pytest.raises(ValueError, match="confusion has 4 classes but class_names has 3"):
        plots.plot_confusion_matrix(np.eye(4), CLASS_NAMES[:3], tmp_path / "c.png")


def test_accuracy_vs_snr_needs_one_accuracy_per_snr(tmp_path):
    with pytest.raises(ValueError, match=r"accuracy_by_model\['m'\]: 3 SNRs but 2 accuracies"):
        plots.plot_accuracy_vs_snr({"m": ([0, 5, 10], [0.5, 0.6])}, tmp_path / "a.png")


def test_roc_curve_needs_both_classes(tmp_path):
    with pytest.raises(ValueError, match=r"curves\['x'\]: is_positive must hold both 0 and 1"):
        plots.plot_roc_curves({"x": (np.ones(10), np.arange(10.0))}, tmp_path / "r.png")


def test_loss_curves_need_loss_entries(tmp_path):
    with pytest.raises(ValueError, match="log_history holds no entry with 'loss' or 'eval_loss'"):
        plots.plot_loss_curves([{"learning_rate": 1e-3, "step": 1}], tmp_path / "l.png")


def test_path_must_name_a_png(tmp_path):
    with pytest.raises(ValueError, match=r"path must name a \.png file"):
        plots.plot_confusion_matrix(np.eye(2), ["a", "b"], tmp_path / "c.jpg")


def test_few_shot_fraction_must_lie_in_unit_interval(tmp_path):
    with pytest.raises(ValueError, match=r"label fraction 10 must lie in \(0, 1\]"):
        plots.plot_few_shot({"m": {10: 0.5}}, tmp_path / "f.png")


def test_roc_curves_named_by_group_and_variant_write_a_png(tmp_path):
    rng = np.random.default_rng(1)
    positive = np.r_[np.zeros(40), np.ones(40)]
    curves = {
        (kind, f"ISR {isr} dB"): (positive, rng.normal(size=80) + positive * isr / 5)
        for kind in ("single tone", "multi-tone")
        for isr in (0, 10)
    }
    _assert_non_blank_png(plots.plot_roc_curves(curves, tmp_path / "roc.png"))


def test_accuracy_vs_snr_with_many_models_widens_for_a_legend_beside_the_axes(tmp_path):
    snr_db = np.arange(-10, 12, 2)

    def width(num_models):
        curves = {f"model {index}": (snr_db, np.full(snr_db.size, 0.1 * index)) for index in range(num_models)}
        with Image.open(plots.plot_accuracy_vs_snr(curves, tmp_path / f"{num_models}.png")) as image:
            return image.size[0]

    assert width(6) > width(2) * 1.2
