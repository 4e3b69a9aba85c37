import pytest
import torch

from learnlib.plot import (
    plot_autograd_graph,
    plot_broadcast,
    plot_confusion_matrix,
    plot_curves,
    plot_history,
    plot_image_grid,
)


def test_plot_history_has_one_panel_per_quantity():
    history = {"epoch": [1, 2, 3], "lr": [0.1] * 3, "train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.4],
               "train_acc": [0.5, 0.7, 0.8], "val_acc": [0.45, 0.65, 0.75], "seconds": [1.0] * 3}
    fig = plot_history(history, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "acc"]
    loss_ax = fig.axes[0]
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train", "val"]
    assert list(loss_ax.get_lines()[1].get_ydata()) == [1.1, 0.6, 0.4]
    assert loss_ax.get_xlabel() == "epoch"


def test_plot_history_without_validation():
    fig = plot_history({"epoch": [1, 2], "train_loss": [1.0, 0.5]})
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train"]


def test_plot_history_rejects_empty():
    with pytest.raises(ValueError, match="history is empty"):
        plot_history({})


def test_plot_curves():
    fig = plot_curves({"SGD": [3, 2, 1], "Adam": [3, 1, 0.5]}, title="loss", logy=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "loss"
    assert [line.get_label() for line in ax.get_lines()] == ["SGD", "Adam"]
    with pytest.raises(ValueError):
        plot_curves({}, title="nothing")


def test_plot_broadcast_shows_inputs_and_sum():
    fig = plot_broadcast(torch.arange(3).reshape(3, 1), torch.tensor([10, 20, 30, 40]))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "a + b  (3, 4)" in texts
    assert "42" in texts  # bottom-right cell of the sum: 2 + 40
    assert texts.count("0") == 4  # a's single column, stretched across 4 columns


def test_plot_broadcast_explains_incompatible_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\) do not broadcast"):
        plot_broadcast(torch.zeros(3), torch.zeros(4))


def test_plot_autograd_graph_draws_every_node():
    x = torch.tensor(1.0, requires_grad=True)
    fig = plot_autograd_graph((x * 2).exp(), names={"x": x})
    assert {"x", "MulBackward", "ExpBackward", "output"} <= {t.get_text().replace("\n", "") for t in fig.axes[0].texts}


def test_plot_image_grid():
    from learnlib.plot import plot_image_grid

    fig = plot_image_grid(torch.rand(10, 1, 28, 28), titles=[str(i) for i in range(10)], ncols=4, title="digits")
    assert len(fig.axes) == 12 and [ax.get_title() for ax in fig.axes[:10]] == [str(i) for i in range(10)]
    assert len(fig.axes[0].images) == 1 and len(fig.axes[11].images) == 0
    with pytest.raises(ValueError, match="3 titles for 2 images"):
        plot_image_grid(torch.rand(2, 28, 28), titles=["a", "b", "c"])


def test_plot_confusion_matrix_writes_every_count():
    from learnlib.plot import plot_confusion_matrix

    cm = torch.tensor([[5, 1], [0, 7]])
    fig = plot_confusion_matrix(cm, ["cat", "dog"])
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "5", "7"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    with pytest.raises(ValueError, match="for 3 class names"):
        plot_confusion_matrix(cm, ["a", "b", "c"])


LONG_TITLES = [f"{p} 98%\n(true: {t})" for p, t in [("automobile", "ship"), ("truck", "automobile"),
                                                       ("ship", "airplane")] * 4]  # notebook 05's mistakes


def _title_boxes(fig):
    renderer = fig.canvas.get_renderer()
    return [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]


def test_plot_image_grid_widens_images_until_long_titles_fit():
    images = torch.rand(12, 3, 32, 32)
    fig = plot_image_grid(images, titles=LONG_TITLES, ncols=6)
    fig.canvas.draw()
    boxes = _title_boxes(fig)
    for left, right in zip(boxes[:5], boxes[1:6], strict=True):  # the first row, neighbour by neighbour
        assert right.x0 - left.x1 >= 0.1 * fig.dpi, "neighbouring titles run together"
    short = plot_image_grid(torch.rand(8, 28, 28), titles=["pred 3 (100%)"] * 8, ncols=8)
    assert short.get_figwidth() == pytest.approx(8 * 1.15)  # short titles keep the standard size


def test_plot_image_grid_warns_when_the_titles_cannot_fit():
    with pytest.warns(UserWarning, match=r"run together\. Use ncols <= 7"):
        fig = plot_image_grid(torch.rand(12, 3, 32, 32), titles=LONG_TITLES, ncols=8)
    fig.canvas.draw()
    boxes = _title_boxes(fig)
    assert any(b.x0 - a.x1 < 0.1 * fig.dpi for a, b in zip(boxes[:7], boxes[1:8], strict=True))  # and they do


def test_plot_confusion_matrix_keeps_a_long_title_off_the_colour_bar():
    fig = plot_confusion_matrix(torch.randint(0, 300, (4, 4)), ["airplane", "automobile", "ship", "truck"],
                                title="Fine-tuned model on the vehicle test images")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    colour_bar = fig.axes[1].get_window_extent(renderer)
    title = (fig._suptitle or fig.axes[0].title).get_window_extent(renderer)
    assert title.y0 > colour_bar.y1 or title.x1 < colour_bar.x0, "the title runs into the colour bar"
    short = plot_confusion_matrix(torch.randint(0, 300, (10, 10)), list("0123456789"), title="CNN on MNIST")
    assert short.axes[0].get_title() == "CNN on MNIST"  # a title that fits stays over the matrix


def _texts(fig):
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text().strip()]


@pytest.mark.parametrize("make", [
    lambda: plot_image_grid(torch.zeros(24, 28, 28), titles=[f"pred {i}\ntrue {i}" for i in range(24)], ncols=12),
    lambda: plot_history({"epoch": [1, 2], "train_loss": [1.0, 0.5], "train_acc": [0.5, 0.7],
                          "train_f1": [0.4, 0.6], "val_loss": [0.9, 0.6]}),
    lambda: plot_confusion_matrix(torch.arange(100).view(10, 10), [str(d) for d in range(10)]),
])
def test_figures_fit_the_notebook_width_with_readable_text(make):
    from learnlib.plot import MAX_WIDTH, MIN_FONT

    fig = make()
    assert fig.get_figwidth() <= MAX_WIDTH
    assert all(t.get_fontsize() >= MIN_FONT for t in _texts(fig)), sorted({t.get_fontsize() for t in _texts(fig)})


def test_image_grid_rows_leave_room_for_their_titles():
    fig = plot_image_grid(torch.zeros(16, 28, 28), titles=["a\nb"] * 16, ncols=8)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_title()]
    first_row_images = [ax.get_window_extent(renderer) for ax in axes[:8]]
    second_row_titles = [ax.title.get_window_extent(renderer) for ax in axes[8:16]]
    for image, title in zip(first_row_images, second_row_titles, strict=True):
        assert title.y1 <= image.y0, "a title of the second row overlaps the image above it"
