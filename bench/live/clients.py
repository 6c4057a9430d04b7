"""The measuring clients: per meeting a rep who asks over the meeting's socket and a colleague on
call who answers each question as it arrives, all in one asyncio process on the `websockets`
library, against the real server.

Each client keeps the last sequence number it saw and, as the page does, asks for what came after
it when it reconnects, when a number is skipped (a gap) and when the heartbeat's answer names a later
one; it drops a message whose number it already has (counted as a duplicate frame). A question is
identified by its text, which is also its client key, so a question re-sent
after a drop is stored once.
"""

import asyncio
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.live.seeding import Seat


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)
    question_latency: list[float] = field(default_factory=list)
    answer_latency: list[float] = field(default_factory=list)
    questions_received: Counter = field(default_factory=Counter)
    answers_received: Counter = field(default_factory=Counter)
    duplicate_frames: int = 0
    gaps: int = 0
    errors: Counter = field(default_factory=Counter)
    reconnects: int = 0

    def sent(self, prefix: str) -> set[str]:
        return {text for text in self.sent_at if text.startswith(prefix)}


class Client:
    def __init__(self, *, port: int, seat: Seat, role: str, stats: Stats):
        self.port = port
        self.seat = seat
        self.role = role
        self.stats = stats
        self.cookie = seat.rep_cookie if role == "rep" else seat.on_call_cookie
        self.last_seq = 0
        self.catching_up = False
        self.ws = None
        self.connected = asyncio.Event()
        self.synced = asyncio.Event()  # the first "synced": the page is ready
        self.stopping = False
        self.pause = 0.0

    async def run(self):
        while not self.stopping:
            uri = f"ws://127.0.0.1:{self.port}/ws/meetings/{self.seat.meeting_id}/?after={self.last_seq}"
            try:
                async with connect(
                    uri,
                    origin=f"http://127.0.0.1:{self.port}",
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=30,
                    compression=None,
                ) as ws:
                    self.ws = ws
                    self.catching_up = False
                    self.connected.set()
                    heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(ws))
                    try:
                        async for raw in ws:
                            self.handle(json.loads(raw))
                    finally:
                        heartbeat.cancel()
            except (OSError, ConnectionClosed, InvalidStatus, TimeoutError) as error:
                if not self.stopping and not self.pause:
                    self.stats.errors[f"socket: {type(error).__name__}: {error}"] += 1
            self.ws = None
            self.connected.clear()
            if self.stopping:
                return
            await asyncio.sleep(self.pause or 0.5)
            self.pause = 0.0
            self.stats.reconnects += 1

    async def _heartbeat(self, ws):
        """The page's heartbeat (every 12 to 18 s, fixed per page): its answer names the meeting's
        last number."""
        every = random.uniform(12, 18)  # noqa: S311 - as the page spreads its beats
        while True:
            await asyncio.sleep(every)
            await ws.send(json.dumps({"type": "ping"}))

    async def drop(self, pause: float):
        """Drop the connection as a phone losing signal would, and come back after ``pause``."""
        if self.ws is not None:
            self.pause = pause
            await self.ws.close()

    async def stop(self):
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()

    async def send(self, message: dict):
        while True:
            await self.connected.wait()
            try:
                await self.ws.send(json.dumps(message))
                return
            except (ConnectionClosed, AttributeError):
                await asyncio.sleep(0.05)

    def _catch_up(self):
        """As the page does: ask for everything after the last number seen, once at a time."""
        if not self.catching_up and self.ws is not None:
            self.catching_up = True
            asyncio.get_running_loop().create_task(self.send({"type": "since", "after": self.last_seq}))

    def handle(self, message: dict):
        event = message.get("event")
        if event == "error":
            self.stats.errors[message.get("message", "error")] += 1
            return
        if event == "synced":
            self.catching_up = False
            self.synced.set()
            return
        if event == "pong":
            if message.get("last", 0) > self.last_seq:
                self._catch_up()
            return
        if event not in ("question", "answer"):
            return
        seq = message["seq"]
        if seq <= self.last_seq:
            self.stats.duplicate_frames += 1
            return
        if seq > self.last_seq + 1:
            self.stats.gaps += 1
            self._catch_up()
            return
        self.last_seq = seq
        now = time.perf_counter()
        text = message["text"]
        if event == "question" and self.role == "on_call":
            self.stats.questions_received[text] += 1
            self.stats.question_latency.append(now - self.stats.sent_at[text])
            answer = "a" + text[1:]
            asyncio.get_running_loop().create_task(self._answer(message["question"], answer))
        elif event == "answer" and self.role == "rep":
            self.stats.answers_received[text] += 1
            self.stats.answer_latency.append(now - self.stats.sent_at[text])

    async def _answer(self, question: int, text: str):
        await self.connected.wait()
        self.stats.sent_at.setdefault(text, time.perf_counter())
        await self.send({"type": "answer", "question": question, "reply": "text", "text": text, "ref": text})


async def _ask(rep: Client, *, started: float, seconds: float, every: float):
    await asyncio.sleep(random.uniform(0, every))  # noqa: S311 - spreading the load, not a secret
    number = 0
    first = time.perf_counter()
    while time.perf_counter() - started < seconds:
        text = f"q:{rep.seat.meeting_id}:{number}"
        await rep.connected.wait()
        rep.stats.sent_at[text] = time.perf_counter()
        await rep.send({"type": "ask", "text": text, "client_key": text, "ref": text})
        number += 1
        await asyncio.sleep(max(0.0, first + number * every - time.perf_counter()))


async def measure(
    *, port: int, seats: list[Seat], seconds: float, every: float, drop_share: float, drain: float
) -> Stats:
    stats = Stats()
    reps = [Client(port=port, seat=seat, role="rep", stats=stats) for seat in seats]
    on_calls = [Client(port=port, seat=seat, role="on_call", stats=stats) for seat in seats]
    clients = reps + on_calls
    readers = [asyncio.create_task(client.run()) for client in clients]
    # The clock starts when every page is ready (it has read the meeting so far), as a rep asks
    # once the page is open: 400 sockets opening at the same moment are not the steady state.
    await asyncio.wait_for(asyncio.gather(*(client.synced.wait() for client in clients)), 120)
    started = time.perf_counter()
    askers = [asyncio.create_task(_ask(rep, started=started, seconds=seconds, every=every)) for rep in reps]
    if drop_share:
        await asyncio.sleep(seconds / 2)
        dropped = random.sample(clients, round(len(clients) * drop_share))
        await asyncio.gather(*(client.drop(pause=1.0) for client in dropped))
    await asyncio.gather(*askers)
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline:
        if len(stats.questions_received) >= len(stats.sent("q:")) and len(stats.answers_received) >= len(
            stats.sent("a:")
        ):
            break
        await asyncio.sleep(0.2)
    await asyncio.gather(*(client.stop() for client in clients))
    await asyncio.gather(*readers, return_exceptions=True)
    return stats


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]
