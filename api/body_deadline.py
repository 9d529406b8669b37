"""A deadline on reading a request's body: a client that declares a body and stops sending it
gets a 408 problem and loses its connection, instead of holding it (and a worker slot) open."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyReadTimeout(Exception):
    """The request body did not arrive within the deadline (408 request_timeout)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request body did not arrive within {seconds:g} s")


class BodyReadDeadline:
    """ASGI middleware: the whole body must arrive within `seconds` of the request's start."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_read = False

        async def receive_in_time() -> Message:
            nonlocal body_read
            if body_read:  # afterwards the app only listens for a disconnect: no deadline
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout(self.seconds) from None
            body_read = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, receive_in_time, send)
