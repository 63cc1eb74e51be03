#!/usr/bin/env python3
"""Opens N TCP connections to HOST:PORT and leaves them idle (nothing is sent) until killed:
bench/run.sh's idle-connection row reads the node's memory while they are open.

    bench/idle.py HOST:PORT N

Prints "open N" once all are connected (or "failed K: ERROR" and exits 1)."""
import signal
import socket
import sys


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    n = int(sys.argv[2])
    socks = []
    for i in range(n):
        try:
            socks.append(socket.create_connection((host, int(port)), timeout=10))
        except OSError as e:
            print(f"failed {i}: {e}", flush=True)
            sys.exit(1)
    print(f"open {len(socks)}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
