"""Every plot writes a readable, non-blank PNG; bad data is refused with a message naming it."""

import numpy as np
import pytest
from PIL import Image

from spectrumfm_hf import plots

CLASS_NAMES = ["BPSK", "QPSK", "8PSK", "QAM16"]


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plots save, in order, to read their axes."""
    figures = []
    save = plots._save

    def keep(figure, path):
        figures.append(figure)
        return save(figure, path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


def _lines_by_label(axes) -> dict:
    return {line.get_label(): line for line in axes.get_lines()}


def _assert_non_blank_png(path, minimum_size=(400, 300)):
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size[0] >= minimum_size[0] and image.size[1] >= minimum_size[1]
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.var() > 0


def test_accuracy_vs_snr_writes_a_png(tmp_path, drawn):
    snr_db = np.arange(-10, 12, 2)
    path = plots.plot_accuracy_vs_snr(
        {
            "SpectrumFM": (snr_db, np.linspace(0.2, 0.9, snr_db.size)),
            "ResNet": (snr_db[::-1], np.linspace(0.1, 0.8, snr_db.size)),
        },
        tmp_path / "accuracy.png",
        chance_accuracy=0.25,
    )
    _assert_non_blank_png(path)
    lines = _lines_by_label(drawn[0].axes[0])
    assert set(lines) == {"SpectrumFM", "ResNet", "chance (25.0%)"}
    np.testing.assert_allclose(lines["SpectrumFM"].get_xdata(), snr_db)
    np.testing.assert_allclose(lines["SpectrumFM"].get_ydata(), 100 * np.linspace(0.2, 0.9, snr_db.size))
    # Points given in falling SNR are drawn in rising SNR, each keeping its accuracy.
    np.testing.assert_allclose(lines["ResNet"].get_xdata(), snr_db)
    np.testing.assert_allclose(lines["ResNet"].get_ydata(), 100 * np.linspace(0.8, 0.1, snr_db.size))
    np.testing.assert_allclose(lines["chance (25.0%)"].get_ydata(), [25.0, 25.0])


def test_confusion_matrix_writes_a_png(tmp_path, drawn):
    confusion = np.array([[9, 1, 0, 0], [2, 7, 1, 0], [0, 1, 8, 1], [0, 0, 3, 7]])
    _assert_non_blank_png(plots.plot_confusion_matrix(confusion, CLASS_NAMES, tmp_path / "confusion.png"))
    axes = drawn[0].axes[0]
    # Each true class's row is normalised to sum to 1; every cell is written out.
    np.testing.assert_allclose(axes.get_images()[0].get_array(), confusion / confusion.sum(axis=1, keepdims=True))
    assert [label.get_text() for label in axes.get_yticklabels()] == CLASS_NAMES
    cells = {(round(text.get_position()[1]), round(text.get_position()[0])): text.get_text() for text in axes.texts}
    assert len(cells) == 16 and cells[(1, 0)] == "0.20" and cells[(3, 2)] == "0.30"


def test_roc_curves_write_a_png(tmp_path):
    rng = np.random.default_rng(0)
    positive = np.r_[np.zeros(50), np.ones(50)]
    curves = {
        f"single tone, ISR {isr} dB": (positive, rng.normal(size=100) + positive * isr / 5)
        for isr in (0, 5, 10)
    }
    _assert_non_blank_png(plots.plot_roc_curves(curves, tmp_path / "roc.png"))


def test_loss_curves_write_a_png(tmp_path, drawn):
    log_history = [{"loss": 2.0 / (step + 1), "epoch": step / 10, "step": step} for step in range(30)]
    log_history += [
        {"eval_loss": 2.5 / (epoch + 1), "epoch": float(epoch), "step": 10 * epoch} for epoch in (1, 2)
    ]
    _assert_non_blank_png(plots.plot_loss_curves(log_history, tmp_path / "loss.png"))
    axes = drawn[0].axes[0]
    lines = _lines_by_label(axes)
    np.testing.assert_allclose(lines["training"].get_xdata(), np.arange(30) / 10)
    np.testing.assert_allclose(lines["training"].get_ydata(), 2.0 / (np.arange(30) + 1))
    np.testing.assert_allclose(lines["validation"].get_xdata(), [1.0, 2.0])
    np.testing.assert_allclose(lines["validation"].get_ydata(), [1.25, 2.5 / 3])
    assert axes.get_xlabel() == "epoch"


def test_tsne_writes_a_png(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 15)
    embeddings = rng.normal(size=(4, 8))[labels] * 4 + rng.normal(size=(60, 8))
    _assert_non_blank_png(plots.plot_tsne(embeddings, labels, CLASS_NAMES, tmp_path / "tsne.png"))


def test_few_shot_bars_write_a_png(tmp_path, drawn):
    accuracy = {"SpectrumFM": {0.1: 0.7, 0.3: 0.8, 1.0: 0.9}, "ResNet": {0.1: 0.4, 0.3: 0.6, 1.0: 0.8}}
    _assert_non_blank_png(plots.plot_few_shot(accuracy, tmp_path / "few_shot.png"))
    axes = drawn[0].axes[0]
    heights = {container.get_label(): [bar.get_height() for bar in container] for container in axes.containers}
    assert heights == {"SpectrumFM": pytest.approx([70.0, 80.0, 90.0]), "ResNet": pytest.approx([40.0, 60.0, 80.0])}
    assert [label.get_text() for label in axes.get_xticklabels()] == ["10%", "30%", "100%"]


def test_plot_creates_missing_parent_folders(tmp_path):
    path = plots.plot_confusion_matrix(np.eye(2), ["a", "b"], tmp_path / "figures" / "new" / "confusion.png")
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == ["confusion.png"]


def test_tsne_subsamples_to_max_points(tmp_path, drawn):
    labels = np.arange(300) % 2
    embeddings = np.random.default_rng(0).normal(size=(300, 4)) + labels[:, None] * 5
    path = plots.plot_tsne(embeddings, labels, ["a", "b"], tmp_path / "tsne.png", max_points=40)
    _assert_non_blank_png(path)
    axes = drawn[0].axes[0]
    points = {collection.get_label(): len(collection.get_offsets()) for collection in axes.collections}
    assert set(points) == {"a", "b"} and sum(points.values()) == 40
    assert axes.get_title().endswith("(40 examples)")


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


def test_roc_curves_named_by_group_and_variant_write_a_png(tmp_path, drawn):
    rng = np.random.default_rng(1)
    positive = np.r_[np.zeros(40), np.ones(40)]
    curves = {
        (kind, f"ISR {isr} dB"): (positive, rng.normal(size=80) + positive * isr / 5)
        for kind in ("single tone", "multi-tone")
        for isr in (0, 10)
    }
    _assert_non_blank_png(plots.plot_roc_curves(curves, tmp_path / "roc.png"))
    lines = {line.get_label().split(" (AUC")[0]: line for line in drawn[0].axes[0].get_lines()}
    assert set(lines) == {"single tone, ISR 0 dB", "single tone, ISR 10 dB", "multi-tone, ISR 0 dB",
                          "multi-tone, ISR 10 dB", "chance"}
    # One colour per interference type, one line style per ISR.
    for kind in ("single tone", "multi-tone"):
        assert np.array_equal(lines[f"{kind}, ISR 0 dB"].get_color(), lines[f"{kind}, ISR 10 dB"].get_color())
    assert not np.array_equal(lines["single tone, ISR 0 dB"].get_color(), lines["multi-tone, ISR 0 dB"].get_color())
    for isr in (0, 10):
        assert lines[f"single tone, ISR {isr} dB"].get_linestyle() == lines[f"multi-tone, ISR {isr} dB"].get_linestyle()
    assert lines["single tone, ISR 0 dB"].get_linestyle() != lines["single tone, ISR 10 dB"].get_linestyle()


def test_accuracy_vs_snr_with_many_models_widens_for_a_legend_beside_the_axes(tmp_path):
    snr_db = np.arange(-10, 12, 2)

    def width(num_models):
        curves = {f"model {index}": (snr_db, np.full(snr_db.size, 0.1 * index)) for index in range(num_models)}
        with Image.open(plots.plot_accuracy_vs_snr(curves, tmp_path / f"{num_models}.png")) as image:
            return image.size[0]

    assert width(6) > width(2) * 1.2


def test_accuracy_vs_snr_with_many_models_puts_the_legend_right_of_the_axes(tmp_path, drawn):
    snr_db = np.arange(-10, 12, 2)
    for num_models in (2, 6):
        curves = {f"model {index}": (snr_db, np.full(snr_db.size, 0.1 * index)) for index in range(num_models)}
        plots.plot_accuracy_vs_snr(curves, tmp_path / f"{num_models}.png")
    for figure, outside in zip(drawn, (False, True)):
        figure.draw_without_rendering()
        axes = figure.axes[0]
        legend_left = axes.get_legend().get_window_extent().x0
        assert bool(legend_left >= axes.get_window_extent().x1) is outside
