"""Start-up of every command: JAX's persistent compilation cache (on by default, moved or turned off by
$SNNRL_COMPILE_CACHE or --no-compile-cache), --version, and help, usage errors and the chip check answered
before JAX is imported."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
from typer.testing import CliRunner

from snnrl import __version__
from snnrl.cli import app
from snnrl.cli.startup import compile_cache_dir, default_cache_dir


def test_the_cache_folder_follows_the_settings(tmp_path):
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "snnrl" / "jax"
    assert default_cache_dir({}) == Path.home() / ".cache" / "snnrl" / "jax"
    assert compile_cache_dir(environ={}) == default_cache_dir({})
    assert compile_cache_dir(environ={"SNNRL_COMPILE_CACHE": "1"}) == default_cache_dir({})
    assert compile_cache_dir(environ={"SNNRL_COMPILE_CACHE": str(tmp_path)}) == tmp_path
    for off in ("0", "off", "False", "no"):
        assert compile_cache_dir(environ={"SNNRL_COMPILE_CACHE": off}) is None
    assert compile_cache_dir(disabled=True, environ={"SNNRL_COMPILE_CACHE": str(tmp_path)}) is None


def test_a_command_points_jax_at_the_cache_unless_told_not_to(tmp_path, monkeypatch):
    suite_cache = jax.config.jax_compilation_cache_dir
    try:
        monkeypatch.setenv("SNNRL_COMPILE_CACHE", str(tmp_path / "moved"))
        assert CliRunner().invoke(app, ["--no-compile-cache", "list"]).exit_code == 0
        assert jax.config.jax_compilation_cache_dir == suite_cache
        assert CliRunner().invoke(app, ["list"]).exit_code == 0
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "moved")
    finally:
        jax.config.update("jax_compilation_cache_dir", suite_cache)


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"snnrl {__version__}"


def test_train_fills_the_cache_and_reports_compile_time_apart(tmp_path):
    cache = tmp_path / "cache"
    command = [
        sys.executable, "-m", "snnrl.cli", "train", "--preset", "demo", "--env", "gymnax:CartPole-v1",
        "--neurons", "20", "--games", "2", "--realizations", "1", "--chunk-games", "2", "--no-figures", "--no-progress",
        "--out", str(tmp_path / "run"), "algorithm.awake_steps=10", "algorithm.dream_steps=5",
    ]  # fmt: skip
    environ = {**os.environ, "SNNRL_COMPILE_CACHE": str(cache)}
    result = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "s of training (+ " in result.stdout and " s compiling)" in result.stdout
    assert any(cache.iterdir()), "the compiled programs are stored"


HEAVY = ("jax", "optax", "flax", "matplotlib")
# Command lines that must answer before anything heavy is imported: help, usage errors, the chip check.
LIGHT_COMMANDS = [
    ["--help"],
    ["--version"],
    *[[*command, "--help"] for command in (["train"], ["plot"], ["render"], ["list"], ["algo"], ["autoencoder"])],
    *[[*command, "--help"] for command in (["eval"], ["compare"], ["config"], ["config", "show"])],
    ["train", "--bogus"],
    ["train", "--out", "OUT", "--mode", "sleep"],
    ["train", "--out", "OUT", "--preset", "nope"],
    ["config", "show", "--format", "xml"],
]
CHIP_CHECK = ["train", "--preset", "neuromorphic", "--backend", "dynapse1", "--realizations", "4", "--out", "OUT"]


def run_without_jax(tmp_path, commands):
    """(exit code, heavy modules imported so far) after each command line, all run in one fresh process."""
    code = (
        "import json, sys\n"
        "from snnrl.cli import app\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        app(args, prog_name='snnrl')\n"
        "    except SystemExit as done:\n"
        f"        heavy = [name for name in {HEAVY!r} if name in sys.modules]\n"
        "        print(json.dumps([args, done.code, heavy]), file=sys.__stderr__)\n"
    )
    commands = [[str(tmp_path / "run") if word == "OUT" else word for word in args] for args in commands]
    environ = {**os.environ, "SNNRL_COMPILE_CACHE": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(commands)], capture_output=True, text=True, env=environ, timeout=120
    )
    return [json.loads(line) for line in result.stderr.splitlines() if line.startswith("[[")]


def test_help_usage_errors_and_the_chip_check_import_no_jax(tmp_path):
    chip = importlib.util.find_spec("samna") is None  # the check refuses a run on the board without samna
    commands = LIGHT_COMMANDS + ([CHIP_CHECK] if chip else [])
    answers = run_without_jax(tmp_path, commands)
    assert [args for args, _, _ in answers] == [
        [str(tmp_path / "run") if word == "OUT" else word for word in args] for args in commands
    ], answers
    for args, code, heavy in answers:
        assert heavy == [], f"snnrl {' '.join(args)} imported {heavy}"
        expected = 0 if "--help" in args or "--version" in args else 1 if "dynapse1" in args else 2
        assert code == expected, (args, code)
    assert not (tmp_path / "run").exists(), "no refusal leaves a folder"
