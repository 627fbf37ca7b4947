"""Fixtures for the SDK compatibility tests: the real switchboard binary on a free port with a temp
database, and a `twilio.rest.Client` whose domains point at it (each domain's `base_url`, under the product's
own path prefix)."""

import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest
from twilio.rest import Client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Each SDK domain and the path prefix the box serves that product under (its Twilio host's
# first label): the client reaches every product the way README's recipe says.
DOMAINS = (("api", "api"), ("taskrouter", "taskrouter"), ("studio", "studio"),
           ("flex_api", "flex-api"), ("conversations", "conversations"))


class Server:
    def __init__(self, extra_env=None):
        self.dir = tempfile.TemporaryDirectory(prefix="switchboard-sdk-")
        binary = os.environ.get("SWITCHBOARD_BIN", os.path.join(REPO, "target", "debug", "switchboard"))
        env = dict(os.environ, RUST_LOG="warn", **(extra_env or {}))
        self.log = open(os.path.join(self.dir.name, "server.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(self.dir.name, "sdk.db")],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env,
        )
        self.base = self.sid = self.token = None
        deadline = time.time() + 30
        for line in self.proc.stdout:
            m = re.match(r"switchboard is running at (http://\S+)", line)
            if m:
                self.base = m.group(1)
            m = re.match(r"\s*Account SID:\s+(AC[0-9a-f]{32})", line)
            if m:
                self.sid = m.group(1)
            m = re.match(r"\s*Auth Token:\s+([0-9a-f]{32})", line)
            if m:
                self.token = m.group(1)
            if self.base and self.sid and self.token:
                break
            if time.time() > deadline:
                break
        assert self.base and self.sid and self.token, "switchboard did not start"
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        urllib.request.urlopen(self.base + "/healthz", timeout=10).read()

    def client(self, sid=None, token=None):
        c = Client(sid or self.sid, token or self.token)
        for name, prefix in DOMAINS:
            getattr(c, name).base_url = f"{self.base}/{prefix}"
        return c

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        self.dir.cleanup()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def client(server):
    return server.client()
