"""Worker processes for large scans: plain subprocesses that speak framed marshal over pipes.

Why subprocesses and not multiprocessing: a forked child shares the parent's pages, and the
parent touching millions of strings afterwards (reference counts) would copy them all; a
spawned multiprocessing child re-imports the caller's __main__ (for the CLI: typer, the web
app ...). A subprocess that imports only this module starts in tens of milliseconds, gets its
work as bytes and shares nothing. marshal is used because it only carries plain data
(bytes, str, ints, tuples, lists) between our own processes and is the fastest codec for it.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import mmap
import os
import queue
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


def write_frame(fd: int, obj: Any) -> None:
    """Write one length-prefixed marshal frame."""
    body = marshal.dumps(obj)
    view = memoryview(len(body).to_bytes(_HEADER, "big") + body)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(stream: IO[bytes]) -> Any:
    """Read one frame; raise EOFError when the other side has gone."""
    head = _read_exact(stream, _HEADER)
    body = _read_exact(stream, int.from_bytes(head, "big"))
    return marshal.loads(body)  # noqa: S302 - frames come from our own process


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


class Arena:
    """Shared memory (a Linux memfd) that the parent writes chunks into and workers read, so
    the bulk of the data crosses no pipe and is copied once instead of four times."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.fd = os.memfd_create("ssj-draw-scan")
        try:
            os.ftruncate(self.fd, self.size)
            self.map = mmap.mmap(self.fd, self.size)
        except OSError:
            os.close(self.fd)
            raise
        self.used = 0

    @staticmethod
    def available() -> bool:
        """Whether this platform has memfd shared memory."""
        return hasattr(os, "memfd_create")

    def put(self, data: bytes) -> tuple[int, int]:
        """Store bytes; return (offset, length)."""
        start, end = self.used, self.used + len(data)
        if end > self.size:
            raise ValueError("arena overflow")
        self.map[start:end] = data
        self.used = end
        return start, len(data)

    def close(self) -> None:
        """Release the memory."""
        with contextlib.suppress(Exception):
            self.map.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)


class Worker:
    """One worker subprocess; frames are sent by a thread so the parent never deadlocks."""

    def __init__(self, arena: Arena | None = None) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=_worker_env(),
            pass_fds=(arena.fd,) if arena is not None else (),
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdout
        self._in_fd = self.proc.stdin.fileno()
        _grow_pipe(self._in_fd)
        _grow_pipe(self._out.fileno())
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=32)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._send_loop, daemon=True)
        self._thread.start()
        if arena is not None:
            self.send(("arena", arena.fd, arena.size))

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                write_frame(self._in_fd, item)
            except OSError as exc:  # the worker died; the reader will notice too
                self._failure = exc
                return

    def send(self, obj: Any) -> None:
        """Queue a message for the worker."""
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


class _State:
    """What one worker keeps between messages: its decoded chunks, by (stratum, range)."""

    def __init__(self) -> None:
        self.raw: dict[tuple[int, int], bytes] = {}
        self.bad: list[tuple[int, int]] = []
        self.arena: mmap.mmap | None = None


def handle(state: _State, message: tuple[Any, ...]) -> Any:
    """Serve one message (also called in-process by the serial scan)."""
    kind = message[0]
    if kind == "chunk":
        _, stratum, part, count, encoded = message
        if isinstance(encoded, tuple):  # (offset, length) in the shared arena
            assert state.arena is not None
            encoded = state.arena[encoded[0] : encoded[0] + encoded[1]]
        raw = decode_chunk(encoded, count)
        if raw is None:
            state.bad.append((stratum, part))
        else:
            state.raw[(stratum, part)] = raw
        return None
    if kind == "arena":
        _, fd, size = message
        state.arena = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        return None
    if kind == "tickets":
        _, prefix, bounds, strata = message
        return scan_ranges(state, prefix, bounds, strata)
    if kind == "rank":
        _, seed, lp_keys, targets = message
        return rank_targets(seed, targets, lp_keys)
    raise ValueError(f"unknown message {kind!r}")


def scan_ranges(
    state: _State, prefix: bytes | None, bounds: Sequence[bytes | None], strata: Sequence[int]
) -> tuple[list[tuple[int, int]], list[int], list[list[tuple[bytes, bytes]]]]:
    """Check each held range for commitments shared by strata and keep the low tickets
    (with no prefix: only check)."""
    found: list[list[tuple[bytes, bytes]]] = [[] for _ in bounds]
    parts = sorted({part for (_, part) in state.raw})
    shared: list[int] = []
    wanted = set(strata)
    for part in parts:
        pieces = [split32(state.raw.get((s, part), b"")) for s in range(len(bounds))]
        if not disjoint(pieces):
            shared.append(part)
        if prefix is not None:
            for s in wanted:
                found[s].extend(survivors(prefix, pieces[s], bounds[s]))
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
        try:
            reply = handle(state, message)
        except Exception as exc:  # report, then stop: the parent raises a clean error
            write_frame(out_fd, ("error", f"{type(exc).__name__}: {exc}"))
            return
        if reply is not None:
            write_frame(out_fd, reply)
