"""Ctrl-C and SIGTERM around ``tuner.fit``: a stopped sweep is left resumable, unscored, exit 130.

Tune catches the first Ctrl-C itself and returns from ``fit`` normally, so the runner learns
of a stop only through the handlers here.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from ray.tune import Callback


class Interrupts(Callback):
    """Sees the stop signals around ``tuner.fit``: Tune catches the first Ctrl-C and returns normally.

    ``setup`` runs after Tune installed its SIGINT handler: ours records the signal, then calls
    Tune's (a graceful stop that saves the experiment state). Tune then puts back the handler
    from before ``fit``, ours again, which stops at once. SIGTERM acts as a first Ctrl-C.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.store: Any | None = None
        self.stopping = False

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles callbacks; what this run received means nothing to a resumed one."""
        return {"received": None, "store": None, "stopping": False}

    def record(self, sig: int) -> None:
        if self.received is None:
            self.received = sig
        if self.store is not None:
            self.store.interrupted = True

    def setup(self, **info: Any) -> None:
        tune_handler = signal.getsignal(signal.SIGINT)
        if _main_thread() and callable(tune_handler) and tune_handler != self._now:
            signal.signal(signal.SIGINT, lambda sig, frame: (self.record(sig), tune_handler(sig, frame)))

    def _now(self, sig: int, frame: Any) -> None:
        self.record(sig)
        if not self.stopping:  # once stopping, Ray's shutdown must run, or the exit-130 message is lost
            raise KeyboardInterrupt

    def _term(self, sig: int, frame: Any) -> None:
        self.record(sig)
        handler = signal.getsignal(signal.SIGINT)
        if not callable(handler):
            raise KeyboardInterrupt
        handler(signal.SIGINT, frame)

    def arm_sigterm(self) -> None:
        """Again, after ``ray.init``: Ray's driver installs its own SIGTERM handler, which exits at once."""
        if _main_thread():
            signal.signal(signal.SIGTERM, self._term)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Our handlers from before Ray starts until it is shut down."""
        if not _main_thread():
            yield
            return
        before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGINT, self._now)
        signal.signal(signal.SIGTERM, self._term)
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)

    def fit(self, tuner: Any) -> str | None:
        """Run Tune under these handlers; the name of the signal that stopped it, or None if none did."""
        self.arm_sigterm()
        try:
            tuner.fit()
        except KeyboardInterrupt:
            self.record(self.received or signal.SIGINT)
        if self.received is None:
            return None
        self.stopping = True
        return signal.Signals(self.received).name


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
