"""Worker processes for large scans: plain subprocesses that speak framed marshal over pipes.

Why subprocesses and not multiprocessing: a forked child shares the parent's pages, and the
parent touching millions of strings afterwards (reference counts) would copy them all; a
spawned multiprocessing child re-imports the caller's __main__ (for the CLI: typer, the web
app ...). A subprocess that imports only this module starts in tens of milliseconds, gets its
work as bytes and shares nothing. Frames are length-prefixed; bulk chunks travel as raw
bytes behind a 13-byte header (written with writev, read with one readinto: no extra copy),
other messages as marshal, which only carries plain data (bytes, str, ints, tuples, lists)
between our own processes and is the fastest codec for it.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import marshal
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .kernels import decode_chunk, disjoint, rank_targets, split32, survivors

# The standalone verifier replaces this with a command that runs itself in worker mode.
WORKER_COMMAND: list[str] | None = None
_HEADER = 8
_PIPE_SIZE = 1 << 20


def worker_command() -> list[str]:
    """The command line that starts one worker process."""
    if WORKER_COMMAND is not None:
        return list(WORKER_COMMAND)
    code = "from spotcheck.sampling.workers import worker_main; worker_main()"
    return [sys.executable, "-c", code]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    if WORKER_COMMAND is None:
        # Make the package importable in the child even when the parent found it via sys.path.
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _grow_pipe(fd: int) -> None:
    # Larger pipes mean fewer context switches per megabyte; Linux only, harmless elsewhere.
    set_size = getattr(__import__("fcntl"), "F_SETPIPE_SZ", None) if os.name == "posix" else None
    if set_size is not None:
        with contextlib.suppress(OSError):
            __import__("fcntl").fcntl(fd, set_size, _PIPE_SIZE)


_CHUNK = struct.Struct(">QcIII")  # frame length, kind "C", stratum, range, count
_OBJECT = struct.Struct(">Qc")  # frame length, kind "M"


def write_frame(fd: int, obj: Any) -> None:
    """Write one length-prefixed marshal frame."""
    body = marshal.dumps(obj)
    _write_all(fd, [_OBJECT.pack(len(body) + 1, b"M"), body])


def write_chunk(fd: int, stratum: int, part: int, count: int, payload: bytes) -> None:
    """Write one chunk of encoded commitments as raw bytes behind a small header."""
    head = _CHUNK.pack(len(payload) + 13, b"C", stratum, part, count)
    _write_all(fd, [head, payload])


def _write_all(fd: int, parts: list[bytes]) -> None:
    if not hasattr(os, "writev"):  # not POSIX: one joined write
        parts = [b"".join(parts)]
        view = memoryview(parts[0])
        while view:
            view = view[os.write(fd, view) :]
        return
    views = [memoryview(p) for p in parts]
    while views:
        done = os.writev(fd, views)
        while views and done >= len(views[0]):
            done -= len(views[0])
            views.pop(0)
        if views and done:
            views[0] = views[0][done:]


def read_frame(stream: IO[bytes]) -> Any:
    """Read one frame; raise EOFError when the other side has gone."""
    size = int.from_bytes(_read_exact(stream, 8), "big")
    body = _read_exact(stream, size)
    if body[:1] == b"C":
        stratum, part, count = struct.unpack_from(">III", body, 1)
        return ("chunk", stratum, part, count, bytes(memoryview(body)[13:]))
    return marshal.loads(memoryview(body)[1:])  # noqa: S302 - frames come from our own process


def _read_exact(stream: IO[bytes], size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise EOFError("worker pipe closed")
        got += n
    return buffer


class Worker:
    """One worker subprocess; frames are sent by a thread so the parent never deadlocks."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=_worker_env(),
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdout
        self._in_fd = self.proc.stdin.fileno()
        _grow_pipe(self._in_fd)
        _grow_pipe(self._out.fileno())
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=256)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._send_loop, daemon=True)
        self._thread.start()

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._write(item)
            except OSError as exc:  # the worker died; the reader will notice too
                self._failure = exc
                return
            finally:
                self._queue.task_done()

    def _write(self, item: Any) -> None:
        if item[0] == "chunk":
            write_chunk(self._in_fd, *item[1:])
        else:
            write_frame(self._in_fd, item)

    def alive(self) -> bool:
        """Whether the process still runs and its pipe works."""
        return self.proc.poll() is None and self._failure is None

    def send(self, obj: Any) -> None:
        """Queue a message for the worker (the sender thread writes it)."""
        if self._failure is not None:
            raise RuntimeError(f"worker pipe failed: {self._failure}")
        self._queue.put(obj)

    def receive(self) -> Any:
        """The next message from the worker; raise RuntimeError if it failed."""
        try:
            reply = read_frame(self._out)
        except EOFError:
            raise RuntimeError("a worker process ended unexpectedly") from None
        if isinstance(reply, tuple) and reply and reply[0] == "error":
            raise RuntimeError(f"a worker process failed: {reply[1]}")
        return reply

    def close(self) -> None:
        """Stop the worker, gracefully if possible; kill it (by its own handle) otherwise."""
        with contextlib.suppress(Exception):
            self._queue.put(("exit",), timeout=1)
            self._queue.put(None, timeout=1)
            self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self._out.close()


# Warm workers kept between scans in this process: starting one costs tens of milliseconds,
# as much as scanning a few hundred thousand candidates. Workers that served a very large
# scan are not kept (their memory would stay with them); see release().
KEEP_WARM = True
WARM_LIMIT = 2_000_000
_IDLE: list[Worker] = []
_IDLE_LOCK = threading.Lock()


def acquire(count: int) -> list[Worker]:
    """`count` workers: idle warm ones first, new ones for the rest."""
    with _IDLE_LOCK:
        taken = _IDLE[:count]
        del _IDLE[:count]
    alive = []
    for worker in taken:
        if worker.alive():
            alive.append(worker)
        else:
            worker.close()
    while len(alive) < count:
        alive.append(Worker())
    return alive


def release(workers: list[Worker], reusable: bool) -> None:
    """Keep clean workers warm for the next scan, stop the others."""
    if reusable and KEEP_WARM:
        for worker in workers:
            worker.send(("reset",))
        with _IDLE_LOCK:
            _IDLE.extend(workers)
        return
    for worker in workers:
        worker.close()


@atexit.register
def close_idle() -> None:
    """Stop every warm worker (also at interpreter exit)."""
    with _IDLE_LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for worker in idle:
        worker.close()


class _State:
    """What one worker keeps between messages: its decoded chunks, by (stratum, range)."""

    def __init__(self) -> None:
        self.raw: dict[tuple[int, int], bytes] = {}
        self.bad: list[tuple[int, int]] = []


def handle(state: _State, message: tuple[Any, ...]) -> Any:
    """Serve one message (also called in-process by the serial scan)."""
    kind = message[0]
    if kind == "chunk":
        _, stratum, part, count, encoded = message
        raw = decode_chunk(encoded, count)
        if raw is None:
            state.bad.append((stratum, part))
        else:
            state.raw[(stratum, part)] = raw
        return None
    if kind == "tickets":
        _, prefix, bounds, strata, lp_keys = message
        return scan_ranges(state, prefix, bounds, strata, lp_keys)
    if kind == "rank":
        _, seed, lp_keys, targets = message
        return rank_targets(seed, targets, lp_keys)
    raise ValueError(f"unknown message {kind!r}")


Found = tuple[bytes, bytes, "tuple[bytes, ...] | None"]  # ticket, commitment, rankings


def scan_ranges(
    state: _State,
    prefix: bytes | None,
    bounds: Sequence[bytes | None],
    strata: Sequence[int],
    lp_keys: Sequence[Sequence[bytes]] | None = None,
) -> tuple[list[tuple[int, int]], list[int], list[list[Found]]]:
    """Check each held range for commitments shared by strata and keep the low tickets
    (with no prefix: only check). With `lp_keys`, the inspector rankings of the kept
    commitments of bounded strata come along, so that matching need not wait for them."""
    kept: list[list[tuple[bytes, bytes]]] = [[] for _ in bounds]
    parts = sorted({part for (_, part) in state.raw})
    shared: list[int] = []
    wanted = set(strata)
    for part in parts:
        pieces = [split32(state.raw.get((s, part), b"")) for s in range(len(bounds))]
        if not disjoint(pieces):
            shared.append(part)
        if prefix is not None:
            for s in wanted:
                kept[s].extend(survivors(prefix, pieces[s], bounds[s]))
    found: list[list[Found]] = [[] for _ in bounds]
    for s, items in enumerate(kept):
        if lp_keys is not None and prefix is not None and bounds[s] is not None and items:
            orders = rank_targets(prefix[-32:], [c for _, c in items], lp_keys)
            found[s] = [(t, c, o) for (t, c), o in zip(items, orders, strict=True)]
        else:
            found[s] = [(t, c, None) for t, c in items]
    return list(state.bad), shared, found


def worker_main() -> None:
    """Entry point of a worker subprocess: serve frames from stdin until told to exit."""
    gc.disable()  # short-lived, no reference cycles, and full collections cost time
    stdin = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer
    out_fd = sys.stdout.fileno()
    state = _State()
    while True:
        try:
            message = read_frame(stdin)
        except EOFError:
            return
        if message[0] == "exit":
            return
        if message[0] == "reset":
            state = _State()
            continue
        try:
            reply = handle(state, message)
        except Exception as exc:  # report, then stop: the parent raises a clean error
            write_frame(out_fd, ("error", f"{type(exc).__name__}: {exc}"))
            return
        if reply is not None:
            write_frame(out_fd, reply)
