#!/usr/bin/env python3
"""Every sample event in events/ through cargo-lambda itself, as the docs tell a user to run
them: `cargo lambda watch` (which builds the function) and `cargo lambda invoke --data-file`,
against moto's server on loopback, with a listener for the replies PUT to the ResponseURL.
The EventBridge events go to a second `cargo lambda watch` with the provisioning setting.

Run by scripts/check-local-runs.sh (which installs moto and the pinned cargo-lambda first)
with .venv's Python. Prints one line per event and a closing "N passed, M failed" line; exit
status 0 only when every event was answered as expected.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Groups of events played in order on one emulator state; the state is reset between groups,
# since each group creates the same destination (central-logs).
CUSTOM_RESOURCE = [
    ["create.json", "update.json", "delete.json"],
    ["sns-create.json"],
    ["create-regions.json"],
    ["create-fails.json"],
    ["provider-create.json", "audit.json"],
]
PROVISIONING = [["eventbridge-create.json", "eventbridge-delete.json"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replies:
    """The ResponseURL's listener: keeps every PUT body."""

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        replies = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with replies.lock:
                    replies.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cfn-response?X-Amz-Signature=EXAMPLE"

    def since(self, n):
        with self.lock:
            return list(self.bodies[n:])

    def count(self):
        with self.lock:
            return len(self.bodies)


def point_at(event, url):
    """The event with every ResponseURL (also inside SNS messages) pointed at `url`."""
    if "ResponseURL" in event:
        event["ResponseURL"] = url
    for record in event.get("Records", []):
        message = json.loads(record["Sns"]["Message"])
        point_at(message, url)
        record["Sns"]["Message"] = json.dumps(message)
    return event


def expects_reply(event):
    return "ResponseURL" in event or "Records" in event


class Watch:
    """`cargo lambda watch` on its own port, with the function's settings."""

    def __init__(self, env_vars, log):
        self.port = free_port()
        settings = ",".join(f"{k}={v}" for k, v in env_vars.items())
        self.process = subprocess.Popen(
            ["cargo", "lambda", "watch", "--ignore-changes", "--invoke-port", str(self.port),
             "--env-var", settings],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout=60):
        """Until the emulator accepts connections (invoking earlier fails outright)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"cargo lambda watch did not listen on port {self.port}")

    def invoke(self, path, timeout):
        return subprocess.run(
            ["cargo", "lambda", "invoke", "--invoke-port", str(self.port), "--data-file", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )

    def stop(self):
        try:
            os.killpg(self.process.pid, 15)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def check(name, event, result, replies):
    """Problems with one event's answer, empty when it is as expected. An event whose file
    name contains "fail" is meant to be refused: its reply must be FAILED."""
    problems = []
    expected = "FAILED" if "fail" in name else "SUCCESS"
    if result.returncode != 0:
        problems.append(f"cargo lambda invoke exited {result.returncode}: {result.stderr.strip()[-600:]}")
        return problems
    try:
        printed = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"cargo lambda invoke printed no JSON: {result.stdout[-600:]!r}"]
    if expects_reply(event):
        if len(replies) != 1:
            problems.append(f"expected one reply at the ResponseURL, got {len(replies)}")
        for reply in replies:
            if reply.get("Status") != expected:
                problems.append(f"reply {reply.get('Status')}: {reply.get('Reason')}")
        summaries = printed if isinstance(printed, list) else [printed]
        for summary in summaries:
            if summary.get("Status") != expected:
                problems.append(f"invocation printed {summary}")
        if expected == "FAILED" and not all("Reason" in s for s in summaries):
            problems.append(f"the printed result has no Reason: {printed}")
    elif name.startswith("provider-"):
        if not printed.get("PhysicalResourceId"):
            problems.append(f"no PhysicalResourceId in {printed}")
    elif name == "audit.json":
        if "Checked" not in printed:
            problems.append(f"not an audit report: {printed}")
    elif name.startswith("eventbridge-"):
        if printed.get("Action") not in ("created", "updated", "unchanged", "deleted", "already absent"):
            problems.append(f"provisioning did not act: {printed}")
    return problems


def main() -> int:
    if shutil.which("cargo-lambda") is None:
        print("check-local-runs: cargo-lambda is not on PATH (scripts/setup-cargo-lambda.sh)", file=sys.stderr)
        return 2
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    replies = Replies()
    base = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        # The sample events name a stack no CloudFormation knows.
        "VERIFY_REQUESTS": "false",
        # Replies go to the local listener, not CloudFormation's response buckets.
        "RESPONSE_URL_HOSTS": f"127.0.0.1:{replies.server.server_address[1]}",
    }
    passed = failed = 0
    workdir = Path(tempfile.mkdtemp(prefix="check-local-runs-"))
    log_path = workdir / "watch.log"
    with open(log_path, "w") as log:
        for settings, groups in [
            ({}, CUSTOM_RESOURCE),
            ({"CFN_LOGS_DESTINATION_MODE": "provisioning"}, PROVISIONING),
        ]:
            watch = Watch({**base, **settings}, log)
            try:
                watch.wait_ready()
                first = True
                for group in groups:
                    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
                    for name in group:
                        event = point_at(json.loads((EVENTS / name).read_text()), replies.url)
                        path = workdir / name
                        path.write_text(json.dumps(event))
                        before = replies.count()
                        started = time.monotonic()
                        # The first invocation waits for watch's build of the function.
                        result = watch.invoke(path, 900 if first else 120)
                        first = False
                        time.sleep(0.2)
                        problems = check(name, event, result, replies.since(before))
                        took = time.monotonic() - started
                        if problems:
                            failed += 1
                            print(f"FAIL {name} ({took:.1f} s): " + "; ".join(problems), flush=True)
                        else:
                            passed += 1
                            print(f"ok   {name} ({took:.1f} s): {result.stdout.strip()[:200]}", flush=True)
            except (subprocess.TimeoutExpired, RuntimeError) as problem:
                failed += 1
                print(f"FAIL {problem}", flush=True)
            finally:
                watch.stop()
    if failed:
        print(f"--- cargo lambda watch's log ({log_path}):\n{log_path.read_text()[-6000:]}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    moto.stop()
    print(f"cargo-lambda: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
