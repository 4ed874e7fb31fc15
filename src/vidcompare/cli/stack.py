"""The local stack: ``up``, ``down``, ``reset``, one ``emulator`` alone, and its status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from vidcompare import auth
from vidcompare.cli.options import StateOption, state_dir_or_default
from vidcompare.cli.render import console, errors, print_table
from vidcompare.cli.report import TextTable
from vidcompare.cli.session import fail
from vidcompare.devstack import control, emulators, processes, snapshots
from vidcompare.devstack.stack import StackError, free_port, reset_data


def up(
    port: Annotated[
        int | None,
        typer.Option(help="Port of the local gateway [default: the last one used, else 8000]."),
    ] = None,
    state_dir: StateOption = None,
    with_auth: Annotated[
        bool,
        typer.Option(
            "--auth",
            help="Require an API key, as in production; the first time prints the key to use.",
        ),
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start empty: forget every job, video and key.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before --fresh.")] = False,
) -> None:
    """Start the local stack (emulators, functions, gateway) and keep it running.

    A supervisor in the background restarts what dies and saves Firestore every few
    seconds; jobs, videos, results and keys survive `vidcompare down` / `up`, crashes and
    sleep, and unfinished jobs go on by themselves. On a half-dead stack, `up` repairs
    it. The other commands find it from any directory; stop it with `vidcompare down`.
    """
    state_dir = state_dir_or_default(state_dir)
    if fresh:
        forget_all(state_dir, yes=yes)
    state = control.health(state_dir)
    if state.recorded and not state.up and state.supervisor:
        # Its supervisor may be restarting something right now: give it a moment.
        state = control.wait_until_up(state_dir, timeout=30)
    if state.up:
        running_port = int(state.info.base_url.rsplit(":", 1)[1])
        if port is not None and port != running_port:
            raise fail(
                f"the stack is already up at {state.info.base_url}; to move it to port {port}: "
                f"vidcompare down && vidcompare up --port {port}"
            )
        if with_auth and not state.info.auth:
            raise fail(
                f"the stack is already up at {state.info.base_url} without auth; for auth: "
                "vidcompare down && vidcompare up --auth"
            )
        auth_note = " (auth on)" if state.info.auth else ""
        console.print(f"already up at [bold]{state.info.base_url}[/]{auth_note}")
        return
    if state.recorded:
        down_now = sorted(
            name for name, up_or_down in state.components.items() if up_or_down == "down"
        )
        errors.print(
            f"the stack is not whole ({', '.join(down_now) or 'no supervisor'}): "
            "saving what it has and starting it again",
            markup=False,
        )
        control.shutdown(state_dir)
        # The repaired stack keeps its port and its auth unless told otherwise.
        port = port or int(state.info.base_url.rsplit(":", 1)[1])
        with_auth = with_auth or state.info.auth
    port = port or 8000
    env, key = control.auth_env(state_dir) if with_auth else ({}, None)
    try:
        with console.status("starting the emulators and functions..."):
            info = control.launch(state_dir, port=port, extra_env=env)
    except StackError as exc:
        raise fail(str(exc)) from None
    restored = " (with its saved jobs and videos)" if state.saved_at else ""
    console.print(
        f"vidcompare is up at [bold]{info.base_url}[/]{restored} (logs: {state_dir}/logs)"
    )
    if with_auth:
        if key:
            console.print(
                f"auth is on; your key (owner {auth.LOCAL_OWNER!r}, an admin), shown once:"
            )
            typer.echo(f"export VIDCOMPARE_API_KEY={key}")
        else:
            console.print("auth is on; the key printed at the first `up --auth` still works")


def forget_all(state_dir: Path | None, *, yes: bool) -> None:
    """Stop the stack and delete its data, after asking unless ``yes``."""
    state_dir = state_dir_or_default(state_dir)
    if not yes and not typer.confirm(
        f"Forget every job, video, result and key of the local stack in {state_dir}?"
    ):
        raise fail("nothing was reset")
    was_running = control.health(state_dir).recorded
    control.shutdown(state_dir)
    reset_data(state_dir)
    stopped = "stopped the local stack; " if was_running else ""
    console.print(f"{stopped}its data is gone (jobs, videos, results, keys)")


def emulator(
    name: Annotated[str, typer.Argument(help="firestore, pubsub or storage.")],
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Its data directory (default: the stack's).")
    ] = None,
    state_dir: StateOption = None,
) -> None:
    """Start one emulator alone, in the foreground, as `emulators/emulators.toml` defines
    it (Ctrl-C stops it); prints what a client needs to reach it."""
    definitions = emulators.load()
    if name not in definitions:
        raise fail(f"unknown emulator {name!r}; known: {', '.join(definitions)}")
    chosen = definitions[name]
    try:
        chosen.check()
    except emulators.EmulatorMissing as exc:
        raise fail(str(exc)) from None
    port = port or free_port()
    stack_data = state_dir_or_default(state_dir) / "data"
    data = (data_dir or stack_data / name).resolve()
    data.mkdir(parents=True, exist_ok=True)
    for variable, value in chosen.client(port=port).items():
        typer.echo(f"export {variable}={value}")
    # Firestore starts with the stack's last save (read only: it is not saved back).
    export = snapshots.latest_export(stack_data) if name == "firestore" else None
    if export:
        errors.print(f"importing the stack's last save: {export}", markup=False)
    argv = chosen.argv(port=port, project="vidcompare-local", data=data, export=export)
    env = os.environ | chosen.env(port=port, project="vidcompare-local", data=data)
    # gcloud puts itself and the emulator (bash, java) in a process group of their own,
    # which Ctrl-C at the terminal does not reach: give it one from the start, and end
    # that whole group ourselves however this command ends.
    child = subprocess.Popen(argv, env=env, start_new_session=True)
    started = processes.identity(child.pid)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    # Started from a script's background job, SIGINT arrives ignored (and Python then sets
    # no KeyboardInterrupt): Ctrl-C, or kill -INT, must still stop the emulator.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        processes.stop([(child.pid, started)], grace=10.0)


def reset(
    state_dir: StateOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Stop the local stack and forget all its data (jobs, videos, results, keys)."""
    forget_all(state_dir, yes=yes)


def down(state_dir: StateOption = None) -> None:
    """Save and stop the local stack started by `vidcompare up` (its data is kept)."""
    state_dir = state_dir_or_default(state_dir)
    if not control.shutdown(state_dir):
        raise fail(f"no stack is recorded in {state_dir}; start one with `vidcompare up`")
    console.print("vidcompare stack stopped (its data is kept; `vidcompare up` brings it back)")


def show_stack_status(state_dir: Path, *, as_json: bool) -> None:
    """``vidcompare status`` without a job: each component up or down; exit 1 unless up."""
    state = control.health(state_dir)
    saved = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.saved_at))
        if state.saved_at
        else None
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "up": state.up,
                    "base_url": state.info.base_url if state.info else None,
                    "supervisor": state.supervisor,
                    "components": state.components,
                    "data_saved_at": saved,
                },
                indent=2,
            )
        )
    elif not state.recorded:
        console.print(
            f"no local stack is running ({state_dir}); data last saved: {saved or 'never'}"
        )
    else:
        rows = [[name, up_or_down] for name, up_or_down in state.components.items()]
        rows.append(["supervisor", "up" if state.supervisor else "down"])
        print_table(
            TextTable(f"Local stack at {state.info.base_url}", ["component", "state"], rows)
        )
        console.print(f"data last saved: {saved or 'never'}", highlight=False)
    if not state.up:
        raise typer.Exit(1)
