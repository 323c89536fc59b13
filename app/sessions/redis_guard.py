"""The lock of a session kept in Redis: `async with session.lock:` as in memory, but across workers.

Entering takes this worker's asyncio lock, then the session's lock in Redis (one script: lock
and read its version), and brings the local copy up to date if another worker changed it: only
the cursors moved → re-seek; the body changed → rebuild from the packed body. Leaving writes back
what changed (cursors only, or the body too) with a compare-and-set on the version, and releases
the lock in the same script. The lock expires unless renewed, so a worker that dies holding it
blocks the session for at most redis_lock_seconds; while held it is renewed every third of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import TYPE_CHECKING, Any

from lstm_explorer.app.sessions import compact
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.sessions.store import StoreUnavailableError, not_found
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from lstm_explorer.app.sessions.redis_store import RedisStore

logger = logging.getLogger(__name__)

INLINE_MAX_HIDDEN = 128  # pack and re-seek smaller models on the event loop (cheaper)
_POLL_FIRST, _POLL_MAX = 0.002, 0.05  # seconds between tries while another worker holds it


def meta_cursors(meta: dict[bytes, bytes]) -> compact.Cursors:
    """The cursors of a session's hash in Redis."""
    fwd, cfwd, bwd, cbwd = (int(meta[k]) for k in (b"fwd", b"cfwd", b"bwd", b"cbwd"))
    return fwd, cfwd, bwd, cbwd


class RedisGuard(asyncio.Lock):
    """session.lock of a session in the Redis store; `version` is what this copy reflects."""

    def __init__(self, store: RedisStore, session: Session, version: int, body_version: int):
        super().__init__()
        self.store = store
        self.session = session
        self.version, self.body_version = version, body_version
        self.token: str | None = None
        self._marks: tuple[Any, ...] = ()
        self._cursors: compact.Cursors = (0, 0, 0, 0)
        self._renewal: asyncio.TimerHandle | None = None

    def forget_version(self) -> None:
        """The local copy may differ from Redis (a write failed): rebuild it next time."""
        self.version = self.body_version = -1

    async def __aenter__(self) -> None:
        await self.acquire()
        try:
            await self._enter()
        except BaseException:
            self.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._exit()
        finally:
            self.release()

    # ----------------------------------------------------------------- enter
    async def _enter(self) -> None:
        store, session = self.store, self.session
        token = secrets.token_hex(12)
        meta = await self._lock(token)
        self.token = token
        self._schedule_renewal(token)
        try:
            version, body_version = int(meta[b"v"]), int(meta[b"bv"])
            target = meta_cursors(meta)
            if body_version != self.body_version:
                body = await store.run_command("get", store.key("b", session.id))
                if body is None:
                    raise not_found(session.id)
                rebuilt = await run_in_threadpool(
                    compact.unpack_body, body, store.settings, session.id, target
                )
                compact.refresh_in_place(session, rebuilt)
                store.count_rebuild()
            elif version != self.version and target != compact.cursors(session):
                await self._cpu(compact.seek_cursors, session, target)
            self.version, self.body_version = version, body_version
            self._marks, self._cursors = compact.body_marks(session), compact.cursors(session)
        except BaseException:
            await self._release(token)
            raise

    async def _lock(self, token: str) -> dict[bytes, bytes]:
        """The session's meta once its lock is ours; waits while another holder has it."""
        store, sid = self.store, self.session.id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + store.settings.redis_lock_wait_seconds
        pause = _POLL_FIRST
        while True:
            reply = await store.run(
                "acquire",
                [store.key("l", sid), store.key("s", sid), store.key("b", sid), store.key_all],
                [token, store.lock_ms, store.ttl_ms, sid, store.prefix],
            )
            if isinstance(reply, list):
                return dict(zip(reply[::2], reply[1::2], strict=True))
            if reply == -1:
                store.forget_local(sid, gone=True)
                raise not_found(sid)
            if loop.time() > deadline:
                raise StoreUnavailableError(
                    f"session {sid!r} has been in use by another request for more than "
                    f"{store.settings.redis_lock_wait_seconds:g} s "
                    "(redis_lock_wait_seconds); try again"
                )
            await asyncio.sleep(pause)
            pause = min(2 * pause, _POLL_MAX)

    # ----------------------------------------------------------------- exit
    async def _exit(self) -> None:
        token, self.token = self.token, None
        if self._renewal is not None:
            self._renewal.cancel()
        if token is None:
            return
        session, store = self.session, self.store
        if session.closed:  # deleted while we held it
            await self._release(token)
            return
        cursors = compact.cursors(session)
        body_changed = not compact.same_body(self._marks, compact.body_marks(session))
        self._marks = ()
        if not body_changed and cursors == self._cursors:
            await self._release(token)
            return
        try:
            body = await self._cpu(compact.pack_body, session) if body_changed else b""
            sid = session.id
            reply = await store.run(
                "commit",
                [store.key("l", sid), store.key("s", sid), store.key("b", sid)],
                [token, self.version, store.ttl_ms, *cursors, int(body_changed), body],
            )
        except BaseException:
            self.forget_version()
            raise
        if reply == -1:
            store.forget_local(session.id, gone=True)
        elif reply < 0:
            self.forget_version()
            raise StoreUnavailableError(
                f"session {session.id!r}: this request held its lock longer than "
                f"redis_lock_seconds={store.settings.redis_lock_seconds:g} and another "
                "took it; its change was not saved; try again"
            )
        else:
            self.version = reply
            if body_changed:
                self.body_version = reply

    async def _release(self, token: str) -> None:
        with contextlib.suppress(StoreUnavailableError):  # else it expires by itself
            await self.store.run("release", [self.store.key("l", self.session.id)], [token])

    async def _cpu(self, fn: Any, *args: Any) -> Any:
        if self.session.spec.hidden_size <= INLINE_MAX_HIDDEN:
            return fn(*args)
        return await run_in_threadpool(fn, *args)

    # ----------------------------------------------------------------- renewal
    def _schedule_renewal(self, token: str) -> None:
        delay = self.store.settings.redis_lock_seconds / 3
        loop = asyncio.get_running_loop()
        self._renewal = loop.call_later(delay, self._start_renewal, token)

    def _start_renewal(self, token: str) -> None:
        if self.token == token:
            self.store.spawn(self._renew(token))

    async def _renew(self, token: str) -> None:
        if self.token != token:
            return
        try:
            extended = await self.store.run(
                "extend", [self.store.key("l", self.session.id)], [token, self.store.lock_ms]
            )
        except StoreUnavailableError:
            extended = 1  # try again at the next turn; the commit will tell if it was lost
        if extended and self.token == token:
            self._schedule_renewal(token)
        elif not extended:
            logger.warning("session %s: lock lost while held", self.session.id)
