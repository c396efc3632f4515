"""Executors: scheduler addresses are checked at once, and local workers end with their parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from glute_study import parallel
from glute_study.cli import main
from glute_study.errors import InputError
from glute_study.parallel import SchedulerError, check_executor, run_tasks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("address", "message"), [
    ("foo://", "the scheme must be one of tcp, tls, ws, wss, ucx; got 'foo'"),
    ("http://10.0.0.5:8786", "the scheme must be one of tcp, tls, ws, wss, ucx; got 'http'"),
    ("tcp://127.0.0.1:notaport", "the port must be a number from 1 to 65535; got 'notaport'"),
    ("tcp://127.0.0.1:0", "the port must be a number from 1 to 65535; got '0'"),
    ("tcp://127.0.0.1:65536", "the port must be a number from 1 to 65535; got '65536'"),
    ("tcp://127.0.0.1:-1", "the port must be a number from 1 to 65535; got '-1'"),
    ("tcp://127.0.0.1", "it has no port"),
    ("tcp://127.0.0.1:", "it has no port"),
    ("tcp://", "it names no host"),
    ("tcp://:8786", "it names no host"),
    ("localhost:8786", "it names no scheme"),
    ("proceses", "it names no scheme"),
])
def test_malformed_addresses_are_one_line_errors_at_once(address, message):
    with pytest.raises(SchedulerError) as info:
        check_executor(address)
    text = str(info.value)
    assert text.startswith(f"scheduler address {address!r}: {message}")
    assert "\n" not in text


def test_other_objects_are_not_executors():
    with pytest.raises(InputError, match="`executor` must be None, 'processes'"):
        check_executor(3)
    for fine in (None, "processes", "serial", "threads"):
        check_executor(fine)


def test_a_closed_port_is_refused_at_once():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SchedulerError, match=rf"cannot reach a scheduler at 'tcp://127.0.0.1:"
                       rf"{port}': .*refused"):
        check_executor(f"tcp://127.0.0.1:{port}")


class _SilentServer:
    """A TCP server on the loopback that accepts connections and never says a word."""

    def __init__(self, *, close_at_once: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.close_at_once = close_at_once
        self.accepted: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            if self.close_at_once:
                conn.close()
            else:
                self.accepted.append(conn)

    def __enter__(self) -> _SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def test_a_server_that_accepts_but_never_answers_is_an_error_after_the_timeout(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 0.5)
    with _SilentServer() as server:
        address = f"tcp://127.0.0.1:{server.port}"
        with pytest.raises(SchedulerError, match=rf"no scheduler answered at '{address}' "
                           r"within 0.5 s"):
            check_executor(address)
        assert server.accepted  # it did connect: the wait was for an answer
        # the work itself never starts, even with a single task
        calls = []
        with pytest.raises(SchedulerError):
            run_tasks(calls.append, [1], executor=address)
        assert calls == []


def test_a_server_that_hangs_up_is_an_error(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 2.0)
    with _SilentServer(close_at_once=True) as server, \
            pytest.raises(SchedulerError, match="cannot reach a scheduler"):
        check_executor(f"tcp://127.0.0.1:{server.port}")


@pytest.mark.parametrize("command", [
    ["power", "trial", "--n", "60", "--reps", "100"],
    ["mediation", "no-such-table.csv"],
])
def test_the_commands_print_one_line_for_a_silent_scheduler(monkeypatch, capsys, command):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 0.5)
    with _SilentServer() as server:
        code = main([*command, "--scheduler", f"tcp://127.0.0.1:{server.port}"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("glute-study: error: no scheduler answered at") and err.count("\n") == 1


def test_the_commands_print_one_line_for_a_malformed_scheduler(capsys):
    assert main(["power", "trial", "--reps", "100", "--scheduler", "foo://"]) == 1
    err = capsys.readouterr().err
    assert err == ("glute-study: error: scheduler address 'foo://': the scheme must be one of "
                   "tcp, tls, ws, wss, ucx; got 'foo'. Expected scheme://host:port, e.g. "
                   "'tcp://10.0.0.5:8786'.\n")


def test_a_single_task_runs_on_the_executor_it_is_given():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        names = run_tasks(_thread_name, [0], executor=pool)
    assert names != [threading.current_thread().name]
    assert run_tasks(_thread_name, [0]) == [threading.current_thread().name]


def _thread_name(_):
    return threading.current_thread().name


_POOL_SCRIPT = """
import os, sys, time
from glute_study.parallel import local_process_pool

def work(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    for i in range(6000):  # at most five minutes, even if it outlives the test
        with open(path + ".tick", "w") as f:
            f.write(str(i))
        time.sleep(0.05)

if __name__ == "__main__":
    with local_process_pool(2) as pool:
        futures = [pool.submit(work, os.path.join(sys.argv[1], f"w{i}")) for i in range(2)]
        for f in futures:
            f.result()
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_local_workers_end_when_their_parent_is_killed(tmp_path, how):
    psutil = pytest.importorskip("psutil")
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent(_POOL_SCRIPT))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    # SIGINT acts as Ctrl-C at a terminal, even where the tests were started as a background job
    # that inherits SIGINT ignored (Python then never raises KeyboardInterrupt)
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env,
                              stderr=subprocess.DEVNULL,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers = []
    try:
        deadline = time.monotonic() + 300  # a bound for a loaded machine, not the check
        while not all((tmp_path / f"w{i}.tick").exists() for i in range(2)):
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        workers = [psutil.Process(int((tmp_path / f"w{i}").read_text())) for i in range(2)]
        parent.send_signal(how)
        parent.wait(timeout=120)
        _, alive = psutil.wait_procs(workers, timeout=120)
        assert not alive
        ticks = [(tmp_path / f"w{i}.tick").read_text() for i in range(2)]
        time.sleep(0.5)
        assert [(tmp_path / f"w{i}.tick").read_text() for i in range(2)] == ticks
    finally:
        for process in [*workers, parent]:
            try:
                process.kill()
            except (psutil.Error, ProcessLookupError):
                continue
        parent.wait()
