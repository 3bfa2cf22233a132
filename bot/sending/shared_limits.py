"""One flood gate for every worker process: Telegram's limits kept in Redis (REDIS_URL).

Four workers each keeping 30 a second would send 120 a second together. Here the windows
are Redis sorted sets shared by all of them, per bot: one for all sends, one per chat. A Lua
script checks both windows and, if the send fits, takes a slot in each - atomically, in one
round trip, on the Redis server's clock, so no two workers can take the last slot at once.

As in the in-process FloodGate, a window holds the times sends *finished*: the slot taken
when a send starts is moved to the moment it finishes, so a slow send still counts from the
moment Telegram may have counted it.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.sending.limits import FloodGate, Gate
from core.settings import Settings
from storage.redis_state import connect

log = logging.getLogger(__name__)
UNREACHABLE_WAIT = 1.0  # Redis down: nothing is sent unlimited; the sender asks again later

# KEYS: all-sends window, chat window, pause. ARGV: limit and seconds of each window, slot id.
# Returns "0" with a slot taken in both windows, or the seconds to wait (nothing taken).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = tonumber(redis.call('GET', KEYS[3]) or '0') - now
for i = 1, 2 do
  local limit, seconds = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - seconds)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + seconds - now)
  end
end
if wait > 0 then return string.format('%.6f', wait) end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 * i]) * 1000) + 1000)
end
return '0'
"""

# KEYS: the two windows. ARGV: slot id, each window's seconds. The slot now counts from now.
_FINISH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[i + 1]) * 1000) + 1000)
end
return 1
"""

# KEYS: pause. ARGV: seconds. Only ever moves the pause later.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + seconds > current then
  redis.call('SET', KEYS[1], string.format('%.6f', now + seconds),
             'PX', math.ceil(seconds * 1000) + 1000)
end
return 1
"""


class RedisFloodGate:
    """The Gate of every worker of one bot: 30 a second in all, 20 a minute per group, one a
    second per private chat, counted together however many processes send."""

    def __init__(self, redis: Redis, *, prefix: str, bot_id: int, per_second: int = 30,
                 per_group_per_minute: int = 20, per_private_per_second: int = 1,
                 owns_client: bool = False) -> None:
        self.redis = redis
        self.base = f"{prefix}:flood:{bot_id}"
        self.total = (per_second, 1.0)
        self.group = (per_group_per_minute, 60.0)
        self.private = (per_private_per_second, 1.0)
        self.owns_client = owns_client
        self._acquire = redis.register_script(_ACQUIRE)
        self._finish = redis.register_script(_FINISH)
        self._pause = redis.register_script(_PAUSE)
        # chat id -> the slot taken for its send in flight; the sender's lanes never have two
        # sends to one chat in flight, so the chat names the slot.
        self._held: dict[int, str] = {}

    async def acquire(self, chat_id: int, is_group: bool) -> float:
        slot = uuid.uuid4().hex
        limit, seconds = self.group if is_group else self.private
        try:
            answer = await self._acquire(
                keys=[self._all(), self._chat(chat_id), self._paused()],
                args=[*self.total, limit, seconds, slot])
        except RedisError as error:
            log.warning("shared flood gate unreachable, waiting: %s", error)
            return UNREACHABLE_WAIT
        wait = float(answer)
        if wait <= 0:
            self._held[chat_id] = slot
        return max(wait, 0.0)

    async def finished(self, chat_id: int, is_group: bool) -> None:
        slot = self._held.pop(chat_id, None) or uuid.uuid4().hex
        seconds = (self.group if is_group else self.private)[1]
        try:
            await self._finish(keys=[self._all(), self._chat(chat_id)],
                               args=[slot, self.total[1], seconds])
        except RedisError as error:  # never raise here: the message has gone, record it sent
            log.warning("shared flood gate unreachable after a send: %s", error)

    async def retry_after(self, seconds: float) -> None:
        try:
            await self._pause(keys=[self._paused()], args=[seconds])
        except RedisError as error:
            log.warning("shared flood gate unreachable for a retry_after: %s", error)

    async def close(self) -> None:
        if self.owns_client:
            await self.redis.aclose()

    def _all(self) -> str:
        return f"{self.base}:all"

    def _chat(self, chat_id: int) -> str:
        return f"{self.base}:chat:{chat_id}"

    def _paused(self) -> str:
        return f"{self.base}:pause"


def flood_gate(settings: Settings, bot: Any) -> Gate:
    """The gate a process's sender uses: shared through Redis when REDIS_URL is set."""
    if settings.redis_url:
        return RedisFloodGate(connect(settings.redis_url), prefix=settings.redis_prefix,
                              bot_id=bot.id, owns_client=True)
    return FloodGate(clock=time.monotonic)
