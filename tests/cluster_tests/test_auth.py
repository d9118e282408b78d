"""Token authentication on a real multi-node Ray cluster started by ``cluster/local.sh``.

One cluster (a head and one worker, separate raylets) for the module, with token auth on
as ``local.sh`` sets it by default, in a private state folder and on ports picked free so
it cannot collide with another Ray on the machine. Then:

- a client holding the token connects, sees both nodes and runs a task;
- a client without the token, or with a wrong one, is refused with an authentication
  error, within a bounded time;
- a node without the token cannot join.

Every Ray process here runs with HOME set to a throwaway folder and the token given by
path (RAY_AUTH_TOKEN_PATH), so nothing reads or writes ``~/.ray/auth_token``: if that
file exists, later ``ray start --head`` and ``ray.init()`` calls on the machine switch
token auth on.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[2]
LOCAL_SH = REPO / "cluster" / "local.sh"
RAY = Path(sys.executable).with_name("ray")

# How long a client keeps retrying the GCS before it gives up (Ray's default is about
# 20 s). Read by ray._private.node when connecting; the same value is given to the
# clients that must succeed, so a refusal cannot come from the shorter wait alone.
GCS_WAIT_S = "4"
REFUSAL_TIMEOUT_S = 45  # a refused client must have exited by then
AUTH_ERROR = re.compile(r"InvalidAuthToken|Unauthenticated|AuthenticationError")

CLIENT = """
import sys, ray
ray.init(address=sys.argv[1], log_to_driver=False, logging_level="ERROR")
alive = [n for n in ray.nodes() if n["Alive"]]

@ray.remote(num_cpus=1)
def where():
    return ray.get_runtime_context().get_node_id()

node = ray.get(where.remote(), timeout=60)
print("NODES", len(alive), "TASK_RAN_ON_A_NODE", node in {n["NodeID"] for n in alive}, flush=True)
"""


@dataclass(frozen=True)
class LocalCluster:
    address: str
    token_file: Path
    state_dir: Path
    env: dict[str, str]  # the environment local.sh ran with (fake HOME, ports)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("", port))
        except OSError:
            return False
    return True


def _free_ports(count: int, rng: random.Random) -> list[int]:
    """`count` consecutive free TCP ports in 20000-29999: outside Ray's worker port
    range (10002-19999) and below the kernel's ephemeral range (32768+)."""
    for _ in range(200):
        start = rng.randrange(20000, 30000 - count)
        ports = list(range(start, start + count))
        if all(_free(p) for p in ports):
            return ports
    raise RuntimeError("no free ports in 20000-29999")


def _clean_env(home: Path) -> dict[str, str]:
    """This process's environment without any Ray setting (a session-wide ray.init() in
    another test sets RAY_AUTH_MODE here), with HOME pointing at `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["HOME"] = str(home)
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    return env


def _local_sh(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(LOCAL_SH), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _real_home_token() -> str | None:
    path = Path.home() / ".ray" / "auth_token"
    return path.read_text() if path.exists() else None


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[LocalCluster]:
    if not RAY.exists():
        pytest.skip(f"no ray executable next to {sys.executable}")
    # Short and under /tmp: Ray's Unix sockets live below the state folder and their
    # paths must stay under 107 bytes, which a pytest tmp_path can exceed.
    state = Path(tempfile.mkdtemp(prefix="swc-", dir="/tmp"))
    home = state / "home"
    home.mkdir()
    head_port, client_port, agent_port, _worker_agent_port = _free_ports(4, random.Random())
    env = _clean_env(home)
    env.update({
        "RAY": str(RAY),
        "SWEEPS_LOCAL_CLUSTER_DIR": str(state / "c"),
        "SWEEPS_LOCAL_HEAD_PORT": str(head_port),
        "SWEEPS_LOCAL_CLIENT_PORT": str(client_port),
        "SWEEPS_LOCAL_AGENT_PORT": str(agent_port),  # the worker gets agent_port + 1
        "SWEEPS_LOCAL_CPUS": "1",
        "SWEEPS_LOCAL_OBJECT_STORE_BYTES": str(100 * 1024**2),
        "SWEEPS_LOCAL_DRAIN_S": "1",
    })
    failed = True
    try:
        up = _local_sh(env, "up", "1")
        assert up.returncode == 0, f"local.sh up failed:\n{up.stdout}\n{up.stderr}"
        shown = _local_sh(env, "env")
        assert shown.returncode == 0, shown.stderr
        exports = dict(re.findall(r"(RAY_[A-Z_]+)=(\S+)", shown.stdout))
        assert exports.get("RAY_AUTH_MODE") == "token", f"token auth is not on by default:\n{shown.stdout}"
        token_file = Path(exports["RAY_AUTH_TOKEN_PATH"])
        assert token_file.read_text().strip(), "local.sh left the token file empty"
        yield LocalCluster(address=exports["RAY_ADDRESS"], token_file=token_file, state_dir=state, env=env)
        failed = False
    finally:
        # Runs whatever happened above, so no node outlives the module.
        down = _local_sh(env, "down", "--purge", timeout=90)
        shutil.rmtree(state, ignore_errors=True)
        if not failed:  # never mask the error that brought us here
            assert down.returncode == 0, f"local.sh down failed:\n{down.stdout}\n{down.stderr}"


def _client(cluster: LocalCluster, extra_env: dict[str, str], timeout: float) -> tuple[int, str, float]:
    """Run CLIENT against the cluster in a fresh process with a fresh HOME (no
    ~/.ray/auth_token to fall back on). Returns exit code, output and seconds taken."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=cluster.state_dir))
    env = _clean_env(home)
    env["RAY_gcs_server_port_wait_time_s"] = GCS_WAIT_S
    env.update(extra_env)
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", CLIENT, cluster.address], env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the client neither connected nor was refused within {timeout} s:\n{e.stdout!r}\n{e.stderr!r}")
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def test_client_with_the_token_connects_and_sees_both_nodes(local_cluster: LocalCluster) -> None:
    with_token = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(local_cluster.token_file)}
    code, out, _ = _client(local_cluster, with_token, timeout=90)
    assert code == 0, out
    assert "NODES 2 TASK_RAN_ON_A_NODE True" in out, out


@pytest.mark.parametrize("extra_env", [
    pytest.param({}, id="auth-mode-unset-no-token"),
    pytest.param({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64}, id="wrong-token"),
])
def test_client_without_the_token_is_refused(local_cluster: LocalCluster, extra_env: dict[str, str]) -> None:
    code, out, seconds = _client(local_cluster, extra_env, timeout=REFUSAL_TIMEOUT_S)
    assert code != 0, f"a client without the token got in:\n{out}"
    assert "NODES" not in out, out
    assert AUTH_ERROR.search(out), f"refused, but not with an authentication error:\n{out}"
    assert seconds < REFUSAL_TIMEOUT_S


def test_node_without_the_token_cannot_join(local_cluster: LocalCluster) -> None:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=local_cluster.state_dir))
    env = _clean_env(home)
    env["RAY_gcs_server_port_wait_time_s"] = GCS_WAIT_S
    (agent_port,) = _free_ports(1, random.Random())
    log = local_cluster.state_dir / "intruder.log"
    # --block and a session of its own: were it let in, killing that session stops it.
    with log.open("w") as sink:
        node = subprocess.Popen(
            [str(RAY), "start", "--block", f"--address={local_cluster.address}", "--num-cpus=1",
             f"--dashboard-agent-listen-port={agent_port}", f"--temp-dir={local_cluster.state_dir / 'intruder'}"],
            env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + REFUSAL_TIMEOUT_S
        while node.poll() is None and time.monotonic() < deadline:
            if "Ray runtime started" in log.read_text():
                pytest.fail(f"a node without the token joined the cluster:\n{log.read_text()}")
            time.sleep(0.25)
        if node.poll() is None:
            pytest.fail(f"a node without the token was neither in nor refused after {REFUSAL_TIMEOUT_S} s:\n"
                        f"{log.read_text()}")
    finally:
        if node.poll() is None:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()
    out = log.read_text()
    assert node.returncode != 0, out
    assert AUTH_ERROR.search(out), f"refused, but not with an authentication error:\n{out}"


def test_nothing_written_to_the_real_home(local_cluster: LocalCluster) -> None:
    token = local_cluster.token_file.read_text()
    assert _real_home_token() != token, "the cluster's token ended up in ~/.ray/auth_token"
    assert not (Path(local_cluster.env["HOME"]) / ".ray" / "auth_token").exists(), \
        "local.sh wrote ~/.ray/auth_token (in its HOME); it should use the token file only"
