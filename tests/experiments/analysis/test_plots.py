"""Return figures: legend entries name their arm, the band says what it is, moving means start at the
first full window, and two arms get the aggregate panel (IQM intervals, probability of improvement)."""

from pathlib import Path

import numpy as np
import pytest

from snnrl.experiments.analysis import plots
from snnrl.experiments.config.experiment import preset

GAMES, WINDOW = 30, 10


@pytest.fixture
def folders(monkeypatch):
    """Two arms in folders with the same last name; the first game of every run is a spike of +50."""
    config = preset("demo")
    returns = {"runs/a/dream": np.full((3, GAMES), 1.0), "runs/b/dream": np.full((3, GAMES), -1.0)}
    for value in returns.values():
        value[:, 0] = 50.0
        value += np.linspace(0.0, 0.1, 3)[:, None]
    monkeypatch.setattr(plots, "load_folder", lambda folder: (config, {"game_return": returns[str(folder)]}))
    return [Path(name) for name in returns], config


def test_every_legend_entry_names_its_arm_once(folders):
    paths, config = folders
    figure = plots.returns_figure(paths, window=WINDOW)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert len(labels) == len(set(labels)) == 8
    for arm in ("a/dream", "b/dream"):
        entries = [label for label in labels if label.startswith(arm)]
        assert len(entries) == 4, labels
        assert f"{arm}: band = mean ± s.e. over 3 realizations" in entries
        assert f"{arm}: 80th percentile over realizations" in entries
        assert f"{arm} ({config.env}): median over 3 realizations" in entries  # the mode is the arm's name
    assert len([label for label in labels if "80th percentile" in label]) == 2


def test_moving_means_start_where_the_window_is_full(folders):
    paths, config = folders
    figure = plots.returns_figure(paths[:1], window=WINDOW)
    for line in figure.axes[0].get_lines():
        x, y = line.get_data()
        assert x[0] == WINDOW * config.algorithm.awake_steps and len(x) == GAMES - WINDOW + 1
        assert y.max() < 1.2 + 49.0 / WINDOW + 1e-9  # the spike enters only the first full window, divided by it
        assert y[1:].max() < 1.2


def test_two_arms_get_the_aggregate_panel(folders):
    paths, _ = folders
    figure = plots.returns_figure(paths, window=WINDOW, final_games=5)
    aggregate = figure.axes[1]
    assert [tick.get_text() for tick in aggregate.get_yticklabels()] == ["a/dream", "b/dream (reference)"]
    notes = [text.get_text() for text in aggregate.texts]
    assert notes == ["P(a/dream > b/dream) = 1.00 [1.00, 1.00]"]
    assert "IQM" in aggregate.get_xlabel() and "bootstrap" in aggregate.get_xlabel()


def test_plot_returns_writes_png_and_pdf(folders, tmp_path):
    paths, _ = folders
    written = plots.plot_returns(paths, tmp_path / "fig.v1", window=WINDOW)
    assert [path.name for path in written] == ["fig.v1.png", "fig.v1.pdf"]
    assert all(path.stat().st_size > 1000 for path in written)


def test_arm_labels_are_distinct_and_a_folder_counts_once():
    assert plots.arm_labels([Path("x/dream"), Path("x/none")]) == ["dream", "none"]
    assert plots.arm_labels([Path("a/run/dream"), Path("b/run/dream")]) == ["a/run/dream", "b/run/dream"]
    with pytest.raises(ValueError, match="once"):
        plots.arm_labels([Path("x/dream"), Path("x/../x/dream")])
    with pytest.raises(ValueError, match="at least one"):
        plots.returns_figure([])


def test_the_figure_names_preset_environment_size_realizations_and_games(folders):
    paths, config = folders
    title = plots.returns_figure(paths, window=WINDOW)._suptitle.get_text()
    size = config.algorithm.agent.lif.n_neurons
    assert title == f"preset {config.preset} · {config.env} · N = {size} · 3 realizations · {GAMES} games"


def test_the_baseline_is_named_baseline_not_none(folders):
    paths, config = folders
    baseline = config.replace(algorithm=config.algorithm.replace(mode="none"))
    assert plots.mode_name("none") == "baseline" and plots.mode_name("dream") == "dream"
    assert plots._describe("runs/arm", baseline) == f"baseline, {config.env}"
    assert plots._describe("runs/none", baseline) == config.env


def _overlaps(figure, legend, axis) -> bool:
    """Whether the legend's box overlaps the axis's data area (display coordinates, after drawing)."""
    renderer = figure.canvas.get_renderer()
    return legend.get_window_extent(renderer).overlaps(axis.get_window_extent(renderer))


def test_legends_lie_off_the_data(folders, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    paths, _ = folders
    figure = plots.returns_figure(paths, window=WINDOW)
    FigureCanvasAgg(figure).draw()
    assert not _overlaps(figure, figure.axes[0].get_legend(), figure.axes[0])
    drawn = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, out: drawn.append(figure) or [])
    plots.plot_dream_rollout(np.zeros((6, 4)), np.ones((6, 4)), np.eye(6, 5), np.eye(6, 3), Path("dream"))
    figure = drawn[0]
    FigureCanvasAgg(figure).draw()
    assert not _overlaps(figure, figure.axes[0].get_legend(), figure.axes[0])


def test_one_sweep_folder_is_compared_with_its_reference_point_as_in_sweep_csv(monkeypatch):
    from snnrl.experiments.config.sweep_axes import SweepAxis

    config = preset("demo")
    lr = config.algorithm.agent.learning_rate
    config = config.replace(
        sweep=(SweepAxis("algorithm.agent.learning_rate", (lr, 2 * lr, 3 * lr)),), realizations=3
    )  # the preset's value first: the reference is grid point 0, not the last
    returns = np.repeat(np.array([0.0, 1.0, 2.0]), 3)[:, None] + np.zeros((9, GAMES))
    returns += np.tile(np.linspace(0.0, 0.1, 3), 3)[:, None]
    monkeypatch.setattr(plots, "load_folder", lambda folder: (config, {"game_return": returns}))
    figure = plots.returns_figure([Path("sweep")], window=WINDOW, final_games=5)
    ticks = [tick.get_text() for tick in figure.axes[1].get_yticklabels()]
    assert ticks[0].endswith("(reference)") and not ticks[-1].endswith("(reference)")
    from snnrl.experiments.run.sweep_results import sweep_table

    assert sweep_table(config, returns)["reference_point"] == 0
