"""Fixtures: the repository's vectors and captures, and `skywire` processes (the CLI built
from this repository) started on loopback, port 0, and stopped after."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "spec" / "vectors"
CAPTURES = ROOT / "tests" / "captures"

sys.path.insert(0, str(Path(__file__).parent))


def load_vectors(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def capture_dirs() -> List[Path]:
    """The capture folders with raw streams (pcap-basic has only the pcap)."""
    return sorted(p for p in CAPTURES.iterdir() if (p / "requests.bin").exists())


@pytest.fixture(scope="session")
def skywire_bin() -> str:
    """The `skywire` command: $SKYWIRE_BIN, else built here with cargo (debug)."""
    given = os.environ.get("SKYWIRE_BIN")
    if given:
        return given
    subprocess.run(["cargo", "build", "-q", "--locked", "-p", "skywire-cli"], cwd=ROOT, check=True)
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    return str(Path(meta["target_directory"]) / "debug" / "skywire")


class Process:
    """A `skywire` subcommand that printed `listening on ADDR` (its address)."""

    def __init__(self, binary: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [binary, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.proc.stdout is not None
        self.lines: List[str] = []
        for line in self.proc.stdout:
            self.lines.append(line)
            m = re.search(r"listening on (\S+\d)", line)
            if m:
                self.address = m.group(1)
                break
        else:
            raise RuntimeError("skywire did not start: " + "".join(self.lines))

    def stop(self) -> str:
        """Stops it; what it printed after starting."""
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out


@pytest.fixture
def skywire_node(skywire_bin: str) -> Iterator[str]:
    """A `skywire node` (services @echo and @kv); its address."""
    p = Process(skywire_bin, "node", "--listen", "127.0.0.1:0")
    yield p.address
    p.stop()


@pytest.fixture
def start_skywire(skywire_bin: str):
    """Starts `skywire ARGS...` processes that print `listening on ADDR`; all stopped after."""
    started: List[Process] = []

    def start(*args: str) -> Process:
        p = Process(skywire_bin, *args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def node():
    """A `skywire.Node`, closed after the test."""
    import skywire

    n = skywire.Node()
    yield n
    n.close(timeout=2)
