"""A real SMTP server for the tests (aiosmtpd), on a free loopback port in a thread of its own.
It keeps what it received, and can hold a conversation at RCPT until told to go on (a message
that was never transmitted, for the test that kills a worker mid-send)."""

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Optional

from aiosmtpd.controller import Controller

from tests.server import free_port


class Recorder:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.hold = threading.Event()  # set: RCPT waits until release
        self._released = threading.Event()
        self.held = threading.Event()  # a conversation is waiting at RCPT

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.hold.is_set():
            self.held.set()
            await asyncio.to_thread(self._released.wait)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def release(self) -> None:
        self.hold.clear()
        self._released.set()


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self._controller: Optional[Controller] = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.recorder.release()
            self._controller.stop()
            self._controller = None

    @staticmethod
    def answers(port: int) -> bool:
        """Something on 127.0.0.1:port greets as an SMTP server does."""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                return conn.recv(4).startswith(b"220")
        except OSError:
            return False

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    def env(self) -> dict[str, str]:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_TLS": "none"}

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
        return self.messages
