"""Streams with each kubectl: logs (--tail, --since, -f), exec (non-interactive, exit
codes, stdin, -it through a pty), get -w, rollout status and wait."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import termios
import time
import uuid

import pytest

from .conftest import CLUSTER

NAMESPACE = "default"


@pytest.fixture(scope="module")
def cluster_id(localcloud_with_front) -> str:
    cloud, _ = localcloud_with_front
    listed = cloud.call("DescribeCluster", Region="cn-bj2", Keyword=CLUSTER)
    return listed["Infos"][0]["ClusterID"]


def write_line(localcloud_with_front, cluster_id: str, pod: str, container: str, text: str):
    """`manage.py localcloud log`: one line in a container's log, now."""
    cloud, _ = localcloud_with_front
    cloud.manage("localcloud", "log", cluster_id, NAMESPACE, pod, container, text)


def make_pod(kubectl, base: str, label: str = "streams") -> str:
    """A pod of this version's own, made with `create -f` (JSON, which every kubectl sends)."""
    name = kubectl.name(f"{base}-{uuid.uuid4().hex[:6]}")
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"test": label}},
        "spec": {"containers": [{"name": "app", "image": "busybox"}]},
    }
    kubectl("create", "-f", "-", stdin=json.dumps(manifest))
    return name


class Follower:
    """A long-running kubectl whose output is read as it comes, then stopped."""

    def __init__(self, kubectl, *args: str):
        self.process = subprocess.Popen(
            [kubectl.binary, *args],
            env=kubectl.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.seen = b""

    def wait_for(self, text: str, seconds: float = 30) -> str:
        """Output up to the end of the line holding `text`, failing (with what came) if
        that does not come in time."""
        deadline = time.monotonic() + seconds
        fd = self.process.stdout.fileno()
        while not self._has_line(text):
            left = deadline - time.monotonic()
            ended = self.process.poll() is not None
            if left <= 0 or (ended and not select.select([fd], [], [], 0)[0]):
                break
            if select.select([fd], [], [], min(left, 0.5))[0]:
                self.seen += os.read(fd, 65536)
        assert self._has_line(text), f"{text!r} not seen; got {self.seen.decode()!r}"
        return self.seen.decode()

    def _has_line(self, text: str) -> bool:
        at = self.seen.find(text.encode())
        return at >= 0 and b"\n" in self.seen[at:]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def follow():
    started: list[Follower] = []

    def start(kubectl, *args: str) -> Follower:
        started.append(Follower(kubectl, *args))
        return started[-1]

    yield start
    for follower in started:
        if follower.process.poll() is None:
            follower.stop()


# Logs -----------------------------------------------------------------------------------


def test_it_shows_a_containers_log(kubectl, localcloud_with_front, cluster_id):
    pod = make_pod(kubectl, "logs")
    write_line(localcloud_with_front, cluster_id, pod, "app", "hello from the test")
    assert "hello from the test\n" in kubectl("logs", pod)
    assert "hello from the test\n" in kubectl("logs", f"pod/{pod}", "-c", "app")


def test_it_shows_the_last_lines_with_tail(kubectl, localcloud_with_front, cluster_id):
    pod = make_pod(kubectl, "tail")
    for n in range(5):
        write_line(localcloud_with_front, cluster_id, pod, "app", f"line {n}")
    tail = kubectl("logs", pod, "--tail=3").splitlines()
    everything = kubectl("logs", pod).splitlines()
    # The pod writes demo lines of its own too (one every two seconds): the last three
    # lines are those just written, or end with the few it wrote since.
    assert len(tail) == 3 and len(everything) > 3
    start = len(everything) - 1 - everything[::-1].index(tail[0])
    assert everything[start : start + 3] == tail
    assert start >= everything.index("line 2")


def test_it_shows_only_recent_lines_with_since(kubectl):
    # The demo pod has written a line every two seconds for the last hour.
    pod = "api-5b8c7d-h7j2n"
    everything = kubectl("logs", pod, "--timestamps").splitlines()
    recent = kubectl("logs", pod, "--since=1m", "--timestamps").splitlines()
    assert 0 < len(recent) < len(everything)
    oldest = min(line.split(" ", 1)[0] for line in recent)
    five_minutes_ago = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 300))
    assert oldest > five_minutes_ago > everything[0].split(" ", 1)[0]


def test_it_refuses_previous_logs_of_a_container_that_never_restarted(kubectl):
    done = kubectl.run("logs", "api-5b8c7d-h7j2n", "--previous")
    assert done.returncode == 1
    assert 'previous terminated container "app" in pod "api-5b8c7d-h7j2n" not found' in (
        done.stderr
    )


def test_it_follows_a_log_as_it_is_written(kubectl, localcloud_with_front, cluster_id, follow):
    pod = make_pod(kubectl, "follow")
    write_line(localcloud_with_front, cluster_id, pod, "app", "before following")
    follower = follow(kubectl, "logs", "-f", pod)
    follower.wait_for("before following\n")
    write_line(localcloud_with_front, cluster_id, pod, "app", "while following")
    follower.wait_for("while following\n")
    assert follower.process.poll() is None  # still following
    follower.stop()


# Watch ------------------------------------------------------------------------------------


def test_get_watch_sees_a_pod_made_meanwhile(kubectl, follow):
    label = kubectl.name(f"watch-{uuid.uuid4().hex[:6]}")
    first = make_pod(kubectl, "listed", label=label)
    watcher = follow(kubectl, "get", "pods", "-l", f"test={label}", "-w")
    watcher.wait_for(first)  # listed: kubectl watches from here on
    made = make_pod(kubectl, "watched", label=label)
    row = watcher.wait_for(made).split(made, 1)[1].splitlines()[0].split()
    assert row[:3] == ["1/1", "Running", "0"]
    kubectl("delete", "pod", first, made)
    assert watcher.process.poll() is None  # still watching
    watcher.stop()


def deployment(kubectl, base: str, replicas: int = 2) -> str:
    name = kubectl.name(f"{base}-{uuid.uuid4().hex[:6]}")
    labels = {"app": name}
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }
    kubectl("create", "-f", "-", stdin=json.dumps(manifest))
    return name


def test_rollout_status_ends_when_the_deployment_is_rolled_out(kubectl):
    name = deployment(kubectl, "rollout")
    out = kubectl("rollout", "status", f"deployment/{name}", "--timeout=60s")
    assert f'deployment "{name}" successfully rolled out' in out
    kubectl("scale", f"deployment/{name}", "--replicas=3")
    out = kubectl("rollout", "status", f"deployment/{name}", "--timeout=60s")
    assert f'deployment "{name}" successfully rolled out' in out
    kubectl("delete", "deployment", name)


def test_wait_for_available_ends_when_the_deployment_is(kubectl):
    name = deployment(kubectl, "wait")
    out = kubectl("wait", "--for=condition=Available", f"deployment/{name}", "--timeout=60s")
    assert out.strip() == f"deployment.apps/{name} condition met"
    kubectl("delete", "deployment", name)


def test_wait_for_delete_sees_the_deletion(kubectl, follow):
    pod = make_pod(kubectl, "doomed")
    # -v=6 logs each request once answered: the watch's says that it has started (a pod
    # deleted before kubectl first looks is no wait at all).
    waiter = follow(kubectl, "wait", "--for=delete", f"pod/{pod}", "--timeout=60s", "-v=6")
    waiter.wait_for("watch=true")
    kubectl("delete", "pod", pod, "--wait=false")
    waiter.wait_for("condition met")
    assert waiter.process.wait(timeout=30) == 0


# Exec -------------------------------------------------------------------------------------

POD = "api-5b8c7d-h7j2n"  # a demo pod with one container


def test_exec_runs_a_command(kubectl):
    assert kubectl("exec", POD, "--", "echo", "hi") == "hi\n"


def test_exec_exits_with_the_commands_exit_code(kubectl):
    done = kubectl.run("exec", POD, "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert done.returncode == 3
    # Without a terminal, stdout and stderr stay apart.
    assert done.stdout == "out\n"
    assert done.stderr.startswith("err\n")
    assert "command terminated with exit code 3" in done.stderr


def test_exec_reads_piped_stdin_to_its_end(kubectl):
    done = kubectl.run("exec", "-i", POD, "--", "cat", stdin="hi\nthere\n")
    assert (done.returncode, done.stdout) == (0, "hi\nthere\n")


def test_exec_of_a_missing_pod_says_not_found(kubectl):
    done = kubectl.run("exec", "no-such-pod", "--", "true")
    assert done.returncode == 1 and 'pods "no-such-pod" not found' in done.stderr


def test_exec_it_runs_a_shell_on_a_terminal(kubectl):
    """Through a pty, as a person types: the shell's prompt, a command, exit."""
    master, terminal = pty.openpty()
    # The terminal's size reaches the shell (kubectl sends it on the resize channel).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [kubectl.binary, "exec", "-it", POD, "--", "sh"],
        env=kubectl.env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    screen = Screen(master)
    try:
        screen.wait_for(f"{POD}:app$ ")
        os.write(master, b"id -u; stty size\r")
        lines = screen.wait_for("\n40 120\r\n").splitlines()
        uid = lines[lines.index("40 120") - 1]
        assert uid.isdigit() and uid != "0"  # the sandbox's own user, never root
        os.write(master, b"exit\r")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)


class Screen:
    """What a terminal shows, read from its master side."""

    def __init__(self, master: int):
        self.master, self.seen = master, b""

    def wait_for(self, text: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while text.encode() not in self.seen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.5)[0]:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the other side closed
                    break
        assert text.encode() in self.seen, f"{text!r} not seen; got {self.seen.decode()!r}"
        return self.seen.decode().replace("\r\n", "\n")


def test_attach_with_stdin_reaches_the_containers_shell(kubectl):
    done = kubectl.run("attach", "-i", POD, stdin="echo attached\nexit 0\n")
    assert "attached\n" in done.stdout
