"""Compare arms with a reference arm (the tuned baseline) and a control (shuffled dreams), as issue 25's protocol
reports them (DESIGN section 7):

    python benchmarks/controls.py benchmarks/runs/controls_seed0/tuned_baseline benchmarks/runs/controls_seed0/dreaming_* \\
        --reference best:tuned_baseline --control dreaming_shuffle --out benchmarks/results/controls_seed0.json

Every folder is an arm, or one arm per grid point of a sweep's folder (labelled FOLDER/field=value,...).
``--reference best:PREFIX`` takes the arm with the highest last-250 mean among those whose label starts with
PREFIX (the best of a swept baseline: its choice at the same seed biases the reference up, against the other
arms). Per arm: last-250 mean ± SD; one-sided Mann-Whitney against the reference and against the control; the
games to the reference's final level as a ratio with a bootstrap 95 % CI over realizations; the mean return over
games 1-1000 (the area under the curve) with its one-sided test against the reference's.

``--pool`` pools seeds: arms are labelled by their folder's name, and the folders of one name (e.g.
runs/seed10/T, runs/seed11/T, runs/seed12/T) are stacked into one arm of all their realizations; every arm must
hold the same seeds. The reference's final level is then the pooled reference's.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import mannwhitneyu

from snnrl.core.storage import write_json
from snnrl.experiments.analysis.plots import arms_of
from snnrl.experiments.statistics import compare_arms, moving_average


def pick(arms: dict[str, np.ndarray], name: str, final_games: int) -> str:
    """The label named by ``name``: a label, or best:PREFIX (the highest last-final_games mean among the labels
    that start with PREFIX). ValueError naming the choices otherwise."""
    if name.startswith("best:"):
        prefix = name.partition(":")[2]
        candidates = [label for label in arms if label.startswith(prefix)]
        if not candidates:
            raise ValueError(f"no arm starts with {prefix!r}; arms: {sorted(arms)}")
        return max(candidates, key=lambda label: arms[label][:, -final_games:].mean())
    if name not in arms:
        raise ValueError(f"no arm {name!r}; arms: {sorted(arms)}")
    return name


def row(label: str, returns: np.ndarray, reference: np.ndarray, control: np.ndarray | None, steps: int, final: int):
    """One arm's figures against the reference (and the control)."""
    result = compare_arms(returns, reference, steps_per_game=steps, final_games=final)
    finals = np.asarray(result.final_arm)
    entry = {
        "arm": label,
        "final_mean": float(finals.mean()),
        "final_sd": float(finals.std(ddof=1)),
        "final": result.final_arm,
        "u_vs_reference": result.u_statistic,
        "p_vs_reference": result.p_value,
        "interactions_ratio": result.interactions_ratio.__dict__,
        "games_to_reference_level": result.games_to_baseline_arm,
        "auc_games": result.auc_games,
        "auc_mean": float(np.mean(result.auc_arm)),
        "auc_sd": float(np.std(result.auc_arm, ddof=1)),
        "auc_p_vs_reference": result.auc_p_value,
    }
    if control is not None:
        test = mannwhitneyu(finals, control[:, -final:].mean(axis=1), alternative="greater")
        entry.update(u_vs_control=float(test.statistic), p_vs_control=float(test.pvalue))
    return entry


def figure(arms: dict[str, np.ndarray], labels: list[str], steps: int, out: Path, title: str, window: int = 50) -> None:
    """Fig 2C-style: the mean over realizations of each arm's moving-mean return (window games) against real
    interactions, ± one standard error, one line per label; PNG and PDF at ``out``."""
    plot = Figure(figsize=(7.0, 4.2))
    axis = plot.subplots()
    for label in labels:
        curves = moving_average(arms[label], window)
        mean, error = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(len(curves))
        x = (np.arange(curves.shape[1]) + window) * steps
        axis.plot(x, mean, label=f"{label} (R = {len(curves)})", linewidth=1.4)
        axis.fill_between(x, mean - error, mean + error, alpha=0.2)
    axis.set_title(title, fontsize=9)
    axis.set_xlabel("real interactions")
    axis.set_ylabel(f"return per game ({window}-game moving mean)")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7, frameon=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".png", ".pdf"):
        plot.savefig(out.parent / (out.name + suffix), dpi=150, bbox_inches="tight")


def pooled(found: list[tuple], names: list[str]) -> list[tuple]:
    """The arms of ``found`` (one per folder, in the order of ``names``) stacked by folder name: (name, [configs],
    returns (sum of R, games)). ValueError where a name's folders differ in length."""
    if len(found) != len(names):
        raise ValueError("--pool takes runs, not sweeps: a sweep's folder holds several arms")
    groups: dict[str, list[tuple]] = {}
    for name, (label, config, returns) in zip(names, found, strict=True):
        groups.setdefault(name, []).append((label, config, returns))
    stacked = []
    for name, members in groups.items():
        lengths = {returns.shape[1] for _, _, returns in members}
        if len(lengths) != 1:
            raise ValueError(f"arm {name!r}: its folders hold {sorted(lengths)} games; pool runs of one length")
        stacked.append((name, [config for _, config, _ in members], np.concatenate([r for _, _, r in members])))
    return stacked


def _configs_of(found: list[tuple], label: str) -> list:
    """The configs of arm ``label`` (one, or a pooled arm's list)."""
    config = next(config for name, config, _ in found if name == label)
    return config if isinstance(config, list) else [config]


def _ratio_text(ratio: dict) -> str:
    show = lambda x: "never" if math.isinf(x) else f"{x:.2f}"  # noqa: E731
    return f"{show(ratio['point'])} [{show(ratio['low'])}, {show(ratio['high'])}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--reference", required=True, help="an arm's label, or best:PREFIX")
    parser.add_argument("--control", help="an arm's label (e.g. the shuffled dreams)")
    parser.add_argument("--final-games", type=int, default=250)
    parser.add_argument("--out", type=Path, required=True, help="JSON file")
    parser.add_argument("--figure", type=Path, help="figure path without suffix (PNG and PDF)")
    parser.add_argument("--show", action="append", default=[], help="an arm to draw (repeatable; default: all)")
    parser.add_argument("--pool", action="store_true", help="pool the folders of one name over seeds")
    args = parser.parse_args()
    found = arms_of(args.folders)
    if args.pool:
        found = pooled(found, [folder.name for folder in args.folders])
    arms = {label: returns for label, _, returns in found}
    seeds = {label: sorted(config.seed for config in _configs_of(found, label)) for label in arms}
    reference = pick(arms, args.reference, args.final_games)
    control = pick(arms, args.control, args.final_games) if args.control else None
    configs = {label: _configs_of(found, label)[0] for label in arms}
    steps = configs[reference].algorithm.awake_steps
    shape = arms[reference].shape
    for label, returns in arms.items():
        if returns.shape[1] != shape[1] or seeds[label] != seeds[reference]:
            raise ValueError(
                f"{label}: {returns.shape[1]} games at seeds {seeds[label]}; the reference has "
                f"{shape[1]} at seeds {seeds[reference]}: compare arms of one study"
            )
    rows = [
        row(label, returns, arms[reference], None if control is None else arms[control], steps, args.final_games)
        for label, returns in arms.items()
    ]
    print(f"reference: {reference}" + (f"; control: {control}" if control else ""))
    print(
        f"{'arm':58s} {'last-250 mean ± SD':>20s} {'p vs ref':>9s} {'p vs ctl':>9s} {'ratio [95% CI]':>22s} {'AUC 1-1000':>16s}"
    )
    for entry in rows:
        print(
            f"{entry['arm']:58s} {entry['final_mean']:+9.3f} ± {entry['final_sd']:.3f}      "
            f"{entry['p_vs_reference']:9.4f} {entry.get('p_vs_control', float('nan')):9.4f} "
            f"{_ratio_text(entry['interactions_ratio']):>22s} {entry['auc_mean']:+8.3f} ± {entry['auc_sd']:.3f}"
        )
    write_json(
        args.out,
        {
            "reference": reference,
            "control": control,
            "folders": [str(folder) for folder in args.folders],
            "seeds": seeds[reference],
            "realizations": int(shape[0]),
            "games": int(shape[1]),
            "final_games": args.final_games,
            "arms": rows,
        },
    )
    print(f"written: {args.out}")
    if args.figure:
        shown = [pick(arms, name, args.final_games) for name in args.show] or list(arms)
        config = configs[reference]
        seed_text = ", ".join(str(seed) for seed in seeds[reference])
        title = f"{config.env}, seeds {seed_text}, {shape[0]} realizations x {shape[1]} games (mean ± SE)"
        figure(arms, shown, steps, args.figure, title)
        print(f"figure: {args.figure}.png")


if __name__ == "__main__":
    main()
