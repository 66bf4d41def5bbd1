"""Every ``snnrl`` command line of README.md and docs/**/*.md parses: a code block's line (``\\`` continuations
joined, ``&&`` / ``;`` chains split, comments dropped) through click's own parser (unknown options, bad
choices, missing values and required options fail), its preset and environment names through the registries,
and its KEY=VALUE overrides and --sweep lists through the config (nothing runs); an inline `snnrl ...` span
names only commands and options that exist."""

import re
import shlex
from pathlib import Path

import pytest
import typer

from snnrl.choices import ALGORITHM_NAMES, PRESET_NAMES
from snnrl.cli import app
from snnrl.envs import env_spec
from snnrl.experiments.config.configure import run_config, with_sweep

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PROGRAM = re.compile(r"^(?:\$\s+)?(?:\S*/)?snnrl(?=\s|$)")
GROUP = typer.main.get_command(app)


def code_lines(text: str) -> list[str]:
    """The lines inside ``` fences, a line ending in ``\\`` joined with the next."""
    lines, inside, pending = [], False, ""
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside, pending = not inside, ""
        elif inside and line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
        elif inside:
            lines.append(pending + line)
            pending = ""
    return lines


def command_lines(text: str) -> list[list[str]]:
    """The arguments (program name dropped) of every snnrl command in the page's code blocks."""
    found = []
    for line in code_lines(text):
        for part in re.split(r"&&|\|\||;", line):
            if PROGRAM.match(part.strip()):
                words = [word for word in shlex.split(part, comments=True) if word not in ("$", "&")]
                found.append(words[1:])
    return found


def inline_commands(text: str) -> list[list[str]]:
    """The words of every inline `snnrl ...` span outside code blocks."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    spans = (" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose))
    return [span.split()[1:] for span in spans if PROGRAM.match(span)]


def cases(extract) -> list:
    return [
        pytest.param(words, id=f"{page.relative_to(ROOT)}: snnrl {' '.join(words)}")
        for page in PAGES
        for words in extract(page.read_text())
    ]


def parse(words: list[str]):
    """The context of the innermost command, parsed as the snnrl command would (nothing is invoked)."""
    command, context = GROUP, GROUP.make_context("snnrl", list(words))
    while hasattr(command, "commands"):
        name, command, rest = command.resolve_command(context, [*context._protected_args, *context.args])
        context = command.make_context(name, rest, parent=context)
    return context


@pytest.mark.parametrize("words", cases(command_lines))
def test_a_documented_command_line_parses(words):
    context = parse(words)
    values = context.params
    if context.info_name == "show" and values["preset"] in ALGORITHM_NAMES:  # an algorithm's defaults
        assert not values["overrides_"] and values["config_file"] is None
        return
    if values.get("preset") is not None:
        assert values["preset"] in PRESET_NAMES, values["preset"]
    env = values.get("env")
    if env is not None and not env.startswith("probe:"):
        env_spec(env)  # ValueError naming the known environments
    if context.info_name == "train" and not values["resume"] and values["config_file"] is None:
        with_sweep(run_config(values["preset"], None, values["overrides_"] or []), values["sweep"] or [])
    if context.info_name == "show" and values["config_file"] is None:
        run_config(values["preset"], None, values["overrides_"] or [])


def options_of(command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


@pytest.mark.parametrize("words", cases(inline_commands))
def test_an_inline_command_names_options_that_exist(words):
    command = GROUP
    while hasattr(command, "commands") and words:
        word = words.pop(0)
        if word.startswith("--"):
            assert word in options_of(command), f"{word} is not an option of snnrl {command.name}"
        elif word in command.commands:
            command = command.commands[word]
        else:
            assert not word.islower(), f"snnrl has no command {word}"  # NAME, <name>: a placeholder
    named = {word.strip("[]|").split("=")[0] for word in words if word.strip("[").startswith("--")}
    assert named <= options_of(command), f"{sorted(named - options_of(command))} are not options of {command.name}"


def test_every_docs_page_the_code_cites_exists():
    cited = {
        (link, path.relative_to(ROOT))
        for path in sorted((ROOT / "snnrl").rglob("*.py"))
        for link in re.findall(r"docs/[\w/.-]+\.md", path.read_text())
        if not link.startswith("docs/api/")  # generated by the docs build (docs/_api_pages.py)
    }
    missing = sorted(f"{source} cites {link}" for link, source in cited if not (ROOT / link).exists())
    assert not missing, missing
