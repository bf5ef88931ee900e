"""A light HTTP/1.1 load generator: raw sockets, keep-alive, threads.

The load generator shares the machine's two cores with the server, so it must be cheap: a
`requests` call costs about 1 ms of client CPU, this client a few tens of microseconds. It
reconnects whenever the server closes (gunicorn's sync workers answer `Connection: close`).
"""

import socket
import threading
import time
from dataclasses import dataclass, field


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive connection to host:port with an optional cookie jar of its own."""

    def __init__(self, host: str, port: int, user_agent: str = "crowdspirit-bench"):
        self.host, self.port, self.user_agent = host, port, user_agent
        self.cookies: dict[str, str] = {}
        self.sock = None
        self.buffer = b""
        self.connects = 0

    def _connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.connects += 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise HttpError("connection closed by server")
        self.buffer += chunk

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        """Send one request and return (status, lowercase headers, body)."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"User-Agent: {self.user_agent}", "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
            lines.append("Content-Type: application/x-www-form-urlencoded")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        # A kept-alive connection the server dropped meanwhile: retry a GET once on a new one.
        # Never a POST: the server may have processed it, and a replayed vote would skew counts.
        for attempt in (1, 2):
            fresh = self.sock is None
            if fresh:
                self._connect()
            try:
                self.sock.sendall(raw)
                return self._read_response()
            except (HttpError, ConnectionError):
                self.close()
                if fresh or attempt == 2 or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def _read_response(self):
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
            headers[name] = value
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(self.buffer) < length:
                self._recv()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:  # body until close
            try:
                while True:
                    self._recv()
            except HttpError:
                pass
            body, self.buffer = self.buffer, b""
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._recv()
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._recv()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2:]
            if size == 0:
                return body


@dataclass
class Result:
    """Latencies (seconds) of the requests completed inside the measured window."""

    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    connects: int = 0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def run(host: str, port: int, paths: list[str], concurrency: int, seconds: float,
        warmup: float = 1.0, cookies: dict | None = None) -> Result:
    """GET the paths (round robin, each thread from its own offset) from `concurrency` threads
    for warmup + seconds; only requests started and finished inside the window are counted.
    Each connection starts with a copy of cookies (a signed-in session)."""
    result = Result()
    lock = threading.Lock()
    start = time.perf_counter()
    window_start, window_end = start + warmup, start + warmup + seconds

    def worker(n: int):
        conn = Connection(host, port)
        conn.cookies.update(cookies or {})
        latencies, statuses, errors = [], {}, 0
        i = n * 7919
        while True:
            t0 = time.perf_counter()
            if t0 >= window_end:
                break
            try:
                status, _, _ = conn.request("GET", paths[i % len(paths)])
            except (HttpError, OSError):
                errors += 1
                conn.close()
                time.sleep(0.01)
                continue
            finally:
                i += 1
            t1 = time.perf_counter()
            if t0 >= window_start and t1 <= window_end:
                latencies.append(t1 - t0)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies += latencies
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v
            result.errors += errors
            result.connects += conn.connects

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = seconds
    return result
