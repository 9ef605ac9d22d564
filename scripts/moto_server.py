#!/usr/bin/env python3
"""Run moto's AWS stand-in server on loopback for the integration tests.

Usage: moto_server.py [PORT [REGION/STREAM ...]]   (PORT 0 or absent = pick a free port)

Each REGION/STREAM is a Kinesis stream created (in moto's default account) before the port is
printed: the targets the tests' destinations point at, which the rig's strict-AWS mode expects
to exist, as AWS's test message does.

Prints "PORT <n>" on stdout once the server accepts connections, then serves
until stdin reaches EOF. The test process holds the write end of our stdin, so
when it exits for any reason (success, panic, kill -9) the kernel closes the
pipe and this server stops too: no orphaned servers, no pid files.
"""

import logging
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.kinesis.models import kinesis_backends
from moto.server import ThreadedMotoServer


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # Werkzeug logs every request to stderr; keep test output readable but
    # still show warnings and tracebacks.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()  # returns once the socket is bound and listening
    _, bound = server.get_host_and_port()
    for spec in sys.argv[2:]:
        region, stream = spec.split("/", 1)
        kinesis_backends[DEFAULT_ACCOUNT_ID][region].create_stream(stream, shard_count=1)
    print(f"PORT {bound}", flush=True)

    try:
        while sys.stdin.buffer.read(4096):
            pass  # ignore anything written to us; only EOF matters
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
