"""Start-up of every command: JAX's persistent compilation cache (on by default, moved or turned off by
$SNNRL_COMPILE_CACHE or --no-compile-cache) and --version."""

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
