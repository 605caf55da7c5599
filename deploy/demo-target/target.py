"""A tiny service for the alerting demo: it serves Prometheus metrics of a pretend checkout
service whose error ratio goes bad for a while and recovers, over and over, so `docker compose up`
shows an alert firing, becoming an incident in Firebreak, and resolving.

GET /metrics        demo_requests_total and demo_errors_total for service="checkout"
POST /fail          fail 20% of requests until /recover
POST /recover       stop failing
Otherwise it fails for FAIL_SECONDS, then is healthy for HEALTHY_SECONDS, and so on.
"""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUESTS_PER_SECOND = 50.0
FAILING_SHARE = 0.2
FAIL_SECONDS = float(os.environ.get("FAIL_SECONDS", "180"))
HEALTHY_SECONDS = float(os.environ.get("HEALTHY_SECONDS", "240"))

lock = threading.Lock()
state = {"requests": 0.0, "errors": 0.0, "at": time.monotonic(), "forced": None}
started = time.monotonic()


def failing(now):
    if state["forced"] is not None:
        return state["forced"]
    # Healthy first, so the alert fires a little after start-up rather than at once.
    phase = (now - started) % (HEALTHY_SECONDS + FAIL_SECONDS)
    return phase >= HEALTHY_SECONDS / 4 and phase < HEALTHY_SECONDS / 4 + FAIL_SECONDS


def advance():
    """Counts the requests served since the last call, at the current error ratio."""
    now = time.monotonic()
    elapsed = now - state["at"]
    state["requests"] += REQUESTS_PER_SECOND * elapsed
    if failing(now):
        state["errors"] += REQUESTS_PER_SECOND * FAILING_SHARE * elapsed
    state["at"] = now


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/metrics":
            self.send_error(404)
            return
        with lock:
            advance()
            body = (
                "# TYPE demo_requests_total counter\n"
                f'demo_requests_total{{service="checkout"}} {state["requests"]:.0f}\n'
                "# TYPE demo_errors_total counter\n"
                f'demo_errors_total{{service="checkout"}} {state["errors"]:.0f}\n'
            ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        forced = {"/fail": True, "/recover": False}.get(self.path)
        if forced is None:
            self.send_error(404)
            return
        with lock:
            advance()
            state["forced"] = forced
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
