"""The WebSocket stream of one session: a reader task for commands, one producer task for frames.

Flow control: the producer computes a frame only after the previous one has been handed to the
transport (each send is awaited), so a slow client gets fewer frames, never a growing buffer.
Commands go through a bounded queue; the reader waits when it is full. A bad command (a FieldError)
is answered with an {"type": "error", "loc": [...], "detail": "..."} frame and the connection stays
open; a bug is logged with its traceback and answered with a short error frame that says nothing
of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from lstm_explorer.app import serialize
from lstm_explorer.app.errors import InvalidJSONError, NotFoundError, loads_strict
from lstm_explorer.app.schemas.stream import COMMAND_ADAPTER, COMMAND_NAMES
from lstm_explorer.app.schemas.training import MetricsFramePublic, update_metrics
from lstm_explorer.app.sessions import Session, SessionStore, StoreUnavailableError
from lstm_explorer.app.sessions.fitting import plan_for
from lstm_explorer.app.sessions.session import train_config
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.training import Trainer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

logger = logging.getLogger(__name__)

QUEUE_SIZE = 32
INLINE_MAX_HIDDEN = 128  # steps of smaller models are computed on the event loop (cheaper)
CLOSE_GONE = 4404
CLOSE_TRY_AGAIN = 1013  # the session store does not answer; the page reconnects
# What a send or receive raises once the client has gone.
_GONE = (WebSocketDisconnect, OSError, RuntimeError)


def command_error(exc: ValidationError) -> FieldError:
    """The command's first bad field, e.g. rate: 'Input should be greater than 0'."""
    err = exc.errors()[0]
    if err["type"] == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", "?")
        return FieldError(
            "cmd", f"unknown command {str(tag)[:40]!r}; known: {', '.join(COMMAND_NAMES)}"
        )
    if err["type"] == "union_tag_not_found":
        return FieldError("cmd", f"missing; known: {', '.join(COMMAND_NAMES)}")
    loc = tuple(p if isinstance(p, int) else str(p)[:40] for p in err["loc"][1:])  # [0]: the tag
    return FieldError(loc or ("message",), str(err["msg"]))


def error_frame(exc: FieldError) -> dict[str, Any]:
    """What a bad command is answered with: where (loc) and what (detail, naming the field)."""
    return {"type": "error", "loc": list(exc.loc), "detail": str(exc)}


class Stream:
    """One connection: reads commands, plays, rewinds, runs BPTT, trains, answers."""

    def __init__(self, ws: WebSocket, session: Session, store: SessionStore, settings: Settings):
        self.ws, self.session, self.store, self.settings = ws, session, store, settings
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.wakeup = asyncio.Event()
        self.mode: str | None = None  # play, rewind, backward, train
        self.rate: float | None = 10.0
        self.grads = False
        self.trainer: Trainer | None = None
        self.train_left: int | None = None
        self.frame_every = 10
        self.recent: deque[float] = deque()
        self.running = 0  # reader and producer tasks alive

    async def run(self) -> None:
        """Until the client leaves; when either task ends, the other is cancelled and awaited."""
        async with anyio.create_task_group() as group:
            group.start_soon(self._guard, self._read, group.cancel_scope)
            group.start_soon(self._guard, self._produce, group.cancel_scope)

    async def _guard(self, task: Callable[[], Awaitable[None]], scope: anyio.CancelScope) -> None:
        self.running += 1
        try:
            await task()
        except _GONE:
            pass  # the client went away mid-send or mid-receive
        except NotFoundError:  # deleted or evicted, maybe by another worker
            await self._close(CLOSE_GONE, "session deleted or expired")
        except StoreUnavailableError as exc:
            await self._close(CLOSE_TRY_AGAIN, str(exc)[:120])
        except Exception:
            logger.exception("stream of session %s failed", self.session.id)
        finally:
            self.running -= 1
            scope.cancel()

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(*_GONE):
            await self.ws.close(code, reason)

    def session_gone(self) -> None:
        """The store removed the session (here or on another worker): close with 4404."""
        self.session.closed = True
        self.wakeup.set()

    # ----------------------------------------------------------------- reader
    async def _read(self) -> None:
        limit = self.settings.max_ws_message_bytes
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            size = len(raw.encode()) if raw is not None else len(message.get("bytes") or b"")
            if size > limit:
                await self._put(
                    FieldError(
                        "message", f"{size} bytes exceed the limit max_ws_message_bytes={limit}"
                    )
                )
            elif not self._allowed():
                n = self.settings.max_ws_commands_per_second
                await self._put(
                    FieldError(
                        "rate",
                        f"more than {n} commands per second "
                        f"(max_ws_commands_per_second={n}); command ignored",
                    )
                )
            elif raw is None:
                await self._put(FieldError("message", "expected a text frame holding JSON"))
            else:
                await self._put(self._parse(raw))

    def _parse(self, raw: str) -> Any:
        try:
            obj = loads_strict(raw)
        except InvalidJSONError as exc:
            return FieldError("message", f"not valid JSON ({str(exc)[:80]})")
        if not isinstance(obj, dict):
            return FieldError("message", 'expected a JSON object such as {"cmd": "play"}')
        try:
            return COMMAND_ADAPTER.validate_python(obj)
        except ValidationError as exc:
            return command_error(exc)

    def _allowed(self) -> bool:
        now = time.monotonic()
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= self.settings.max_ws_commands_per_second:
            return False
        self.recent.append(now)
        return True

    async def _put(self, item: Any) -> None:
        await self.queue.put(item)
        self.wakeup.set()

    # ----------------------------------------------------------------- producer
    async def _produce(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            if self.mode is None:
                await self.wakeup.wait()
            else:
                delay = due - loop.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), delay)
            if self.session.closed:
                await self.ws.close(CLOSE_GONE, "session deleted or expired")
                return
            self.wakeup.clear()
            while not self.queue.empty():
                await self._handle(self.queue.get_nowait())
            if self.mode is not None and loop.time() >= due:
                await self._tick()
                self.store.touch(self.session)
                due = max(due + 1.0 / self.rate, loop.time()) if self.rate else loop.time()
                await asyncio.sleep(0)  # let the reader in even when sends never block

    async def _send(self, frame: dict[str, Any]) -> None:
        try:
            text = serialize.dumps_text(frame)
        except (TypeError, ValueError):  # e.g. a lone surrogate echoed from a command
            logger.exception("stream of session %s: unserialisable frame", self.session.id)
            text = '{"type":"error","detail":"a frame could not be encoded"}'
        await self.ws.send_text(text)

    async def _compute(self, fn: Any, *args: Any) -> Any:
        """fn(*args) under the session lock; in a worker thread unless the model is small."""
        async with self.session.lock:
            if self.session.spec.hidden_size <= INLINE_MAX_HIDDEN:
                return fn(*args)
            return await run_in_threadpool(fn, *args)

    async def send_state(self) -> None:
        """The first frame of a connection: where the session stands (under its lock, which
        brings a session another worker changed up to date)."""
        await self._send(await self._compute(self.state))

    def state(self) -> dict[str, Any]:
        s = self.session
        return {
            "type": "state",
            "mode": self.mode,
            "playing": self.mode is not None,
            "rate": self.rate,
            "cursors": s.cursors(),
            "training": {"updates": s.train_updates, "diverged": s.diverged},
        }

    async def _done(self, what: str) -> None:
        self.mode = None
        await self._send({"type": "done", "what": what, "cursors": self.session.cursors()})

    async def _handle(self, cmd: Any) -> None:
        if isinstance(cmd, FieldError):
            await self._send(error_frame(cmd))
            return
        self.store.touch(self.session)
        try:
            await self._command(cmd)
        except FieldError as exc:
            await self._send(error_frame(exc))
        except (*_GONE, NotFoundError, StoreUnavailableError):
            raise
        except Exception:
            logger.exception("stream of session %s: command %s failed", self.session.id, cmd.cmd)
            self.mode = None
            await self._send({"type": "error", "detail": "internal error; the stream is paused"})

    async def _command(self, cmd: Any) -> None:
        s = self.session
        name = cmd.cmd
        if name in ("pause", "stop", "reset"):
            await self._stop_training()
            self.mode = None
            if name == "reset":
                await self._compute(s.reset)
        elif name == "play":
            self.mode = "play" if cmd.direction == "forward" else "rewind"
            self.rate = cmd.rate
        elif name == "run_backward":
            self.mode, self.rate, self.grads = "backward", cmd.rate, cmd.grads
        elif name == "speed":
            self.rate = cmd.rate
        elif name == "train":
            await self._stop_training()
            plan = plan_for(s, cmd)
            self.trainer = await self._compute(s.start_training, train_config(cmd), plan)
            self.train_left, self.frame_every, self.mode = cmd.updates, cmd.frame_every, "train"
            self.rate = cmd.rate  # its own pace, not that of the last play
        elif name in ("step_forward", "step_back"):
            result = await self._compute(s.forward if name == "step_forward" else s.back, 1)
            await self._send(result.frames[0])
            return
        elif name == "seek":
            await self._send(await self._compute(s.seek, cmd.t, cmd.direction, self.grads))
            return
        await self._send(self.state())

    async def _tick(self) -> None:
        s = self.session
        if self.mode == "train":
            await self._train_tick()
            return
        r = s.runner
        if self.mode == "play" and r.forward_t >= r.T:
            await self._done("forward")
        elif self.mode == "rewind" and r.forward_t <= 1:
            await self._done("rewind")
        elif self.mode == "backward" and r.backward_t == 0:
            await self._done("backward")
        else:
            if self.mode == "backward":
                result = await self._compute(s.backward, 1, False, self.grads)
            else:
                result = await self._compute(s.forward if self.mode == "play" else s.back, 1)
            await self._send(result.frames[0])

    async def _train_tick(self) -> None:
        s = self.session
        async with s.lock:
            # The session's trainer, not necessarily the one this stream started: another request
            # (maybe on another worker) may have trained or reset the session meanwhile.
            trainer = self.trainer = s.trainer
            m = None if trainer is None else await run_in_threadpool(s.train_update, trainer)
            plan, last = s.fit_plan, m is not None and (m.diverged or self.train_left == 1)
            due = m is not None and plan is not None and (last or plan.heldout_due(m.update))
            heldout = await run_in_threadpool(s.measure_heldout) if due else None
        if m is None:
            await self._done("train")
            return
        nf = serialize.NonFinite()
        frame = MetricsFramePublic(**update_metrics(m, heldout, nf).model_dump())
        await self._send(nf.mark(frame.model_dump(exclude={"nonfinite"})))
        if self.train_left is not None:
            self.train_left -= 1
        if m.diverged or self.train_left == 0:
            await self._stop_training()
            await self._done("train")
        elif m.update % self.frame_every == 0:
            await self._send(await self._compute(self._fresh_frame))

    def _fresh_frame(self) -> dict[str, Any]:
        """The shown step (the last one if none is shown) recomputed with the current params."""
        s = self.session
        s.rebuild_runner(keep_cursor=True)
        t = s.runner.forward_t - 1 if s.runner.forward_t else s.T - 1
        return s.seek(t, "forward")

    async def _stop_training(self) -> None:
        if self.trainer is None:
            return
        self.trainer = None
        await self._send(await self._compute(self._fresh_frame))
