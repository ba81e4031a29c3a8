"""The pod sandbox: every pod exec and cluster shell starts here, inside bubblewrap.

A shell sees a read-only system (/usr and its /bin, /lib links), a private /proc, /dev
and /tmp, a generated /etc, and one writable folder as its home: the pod's own folder, or
the cluster's for a cluster shell, which also gets that cluster's kubeconfig (read-only)
a way to the clusters' Kubernetes endpoint and nowhere else: no shell shares the host's
network; a cluster shell's kubectl reaches LOCALCLOUD_K8S_URL through a relay (its port on
the sandbox's own loopback, piped to a unix socket that EndpointRelay serves on the host).
It has its own PID, IPC, UTS, network, mount and cgroup namespaces, runs as an
unprivileged user, and under limits (see MAX_*).

Closing the session ends everything in it: bubblewrap's first process is PID 1 of the
sandbox, and when it goes (the shell exits, or the session's processes are killed) the
kernel kills every process left in that PID namespace, setsid and double forks included.
Where bubblewrap is missing or cannot make a sandbox here, sessions are refused unless
LOCALCLOUD_EXEC_UNSANDBOXED is set (then they run as the server's user: unsafe).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from .pipes import PipeProcess
from .pty import PtyProcess

# Run by root (make run), bubblewrap makes the namespaces and the shell then drops to a
# host user of its own: one per pod folder (a hash of its path, in a range no account
# uses), so two pods never share a user, even outside their namespaces. Root's bubblewrap
# cannot map a user namespace onto another host user, and bubblewrap run unprivileged
# could not reach a work folder under a 0700 parent. Run by another user, bubblewrap makes
# a user namespace and the shell is that user on the host (INSIDE_UID in the sandbox).
SANDBOX_UIDS = (1_000_000_000, 2**24)  # first uid, how many
USER, INSIDE_UID, HOME = "user", 1000, "/home/user"
KUBECONFIG = "/etc/kubernetes/kubeconfig"
RELAY_SCRIPT = Path(__file__).with_name("k8s_relay.py")
RELAY_INSIDE, RELAY_SOCKET = "/run/kubernetes", "endpoint.sock"
# Limits, set with prlimit as the sandbox's user, just before the shell. Processes count
# per user (per pod as root, per user namespace otherwise), threads included: kubectl
# alone runs ~20. Memory is address space per process (kubectl reserves 4 GiB up front).
# File size bounds each file written, not the folder (there is no disk quota).
MAX_PROCESSES = 256
MAX_ADDRESS_SPACE = 8 * 1024**3
MAX_FILE_SIZE = 1024**3
MAX_OPEN_FILES = 1024
TMP_SIZE = 128 * 1024**2  # each of /tmp and /dev/shm, which are memory
PROBE_SECONDS = 10
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class NoSandbox(Exception):
    """A sandbox cannot be made here; the message says why, for the user to read."""


@dataclass
class Shell:
    """What a session runs, and the one host folder it may change."""

    argv: list[str]
    home: Path  # the pod's folder, or the cluster's
    env: dict[str, str]
    hostname: str
    kubeconfig: str = ""  # a cluster shell's own kubeconfig
    relay: Path | None = None  # a cluster shell's way to its endpoint (EndpointRelay.folder)
    fds: list[int] = field(default_factory=list)  # pipes bubblewrap reads /etc files from


def sandboxed() -> bool:
    """True: sessions run in a sandbox; False: on the host, as LOCALCLOUD_EXEC_UNSANDBOXED
    allows. NoSandbox: they may not run. May try bubblewrap once: call it off the loop."""
    try:
        _probe(_bwrap())
    except NoSandbox as exc:
        if settings.LOCALCLOUD_EXEC_UNSANDBOXED:
            return False
        raise NoSandbox(f"{exc}, so exec is refused") from exc
    return True


def start(shell: Shell, sandboxed: bool, rows: int = 24, cols: int = 80) -> PtyProcess:
    """The session's process on a PTY, in its sandbox (or on the host where allowed)."""
    if not sandboxed:
        return _start_unsandboxed(shell, rows, cols)
    with _prepared(shell, _bwrap()) as argv:
        # The pipes are the child's now; this process closes its copies on the way out.
        return PtyProcess(
            argv, "/", shell.env, rows, cols, pass_fds=tuple(shell.fds), claims_terminal=False
        )


async def start_piped(shell: Shell, sandboxed: bool, stdin: bool) -> PipeProcess:
    """The process on pipes, no terminal (kubectl exec without -t): stdout and stderr
    apart, stdin a pipe or nothing. The same sandbox as start(), its session without a
    controlling terminal."""
    if not sandboxed:
        env = _unsandboxed_env(shell)
        return await PipeProcess.start(shell.argv, str(shell.home), env, stdin)
    with _prepared(shell, _bwrap(), tty=False) as argv:
        return await PipeProcess.start(argv, "/", shell.env, stdin, pass_fds=tuple(shell.fds))


def _unsandboxed_env(shell: Shell) -> dict[str, str]:
    shell.home.mkdir(parents=True, exist_ok=True)
    env = dict(shell.env, HOME=str(shell.home))
    if shell.kubeconfig:
        config = shell.home / "kubeconfig"
        config.write_text(shell.kubeconfig)
        config.chmod(0o600)
        env["KUBECONFIG"] = str(config)
    return env


def _start_unsandboxed(shell: Shell, rows: int, cols: int) -> PtyProcess:
    return PtyProcess(shell.argv, str(shell.home), _unsandboxed_env(shell), rows, cols)


def _bwrap() -> str:
    found = shutil.which(settings.LOCALCLOUD_BWRAP)
    if not found:
        raise NoSandbox(f"no sandbox: bubblewrap ({settings.LOCALCLOUD_BWRAP}) is not installed")
    return found


@functools.cache
def _probe(bwrap: str) -> None:
    """Run `true` in a sandbox, once per process: a container may forbid namespaces."""
    master, terminal = os.openpty()  # as a session has one
    try:
        with tempfile.TemporaryDirectory() as home:
            shell = Shell(["true"], Path(home), {"PATH": "/usr/bin:/bin"}, "probe")
            with _prepared(shell, bwrap) as argv:
                done = subprocess.run(  # noqa: S603 - our own argv
                    argv,
                    pass_fds=shell.fds,
                    stdin=terminal,
                    stdout=terminal,
                    stderr=subprocess.PIPE,
                    timeout=PROBE_SECONDS,
                    env=shell.env,
                    check=False,
                    start_new_session=True,
                )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NoSandbox(f"no sandbox: bubblewrap did not start ({exc})") from exc
    finally:
        os.close(master)
        os.close(terminal)
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise NoSandbox(f"no sandbox: bubblewrap fails here ({why[-1] if why else 'no output'})")


@contextlib.contextmanager
def _prepared(shell: Shell, bwrap: str, tty: bool = True) -> Iterator[list[str]]:
    """bubblewrap's argv, with the fds it reads (open only inside this block)."""
    shell.fds = []
    try:
        yield _argv(shell, bwrap, tty)
    finally:
        for fd in shell.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        shell.fds = []


def _argv(shell: Shell, bwrap: str, tty: bool = True) -> list[str]:
    uid = _uid_for(shell.home) if os.geteuid() == 0 else INSIDE_UID
    home = _owned_home(shell.home, uid)
    hostname = shell.hostname[:63]  # the kernel's limit (Kubernetes cuts a pod's so too)
    argv = [
        bwrap,
        *_namespaces(),
        "--die-with-parent",
        "--hostname", hostname,
        "--ro-bind", "/usr", "/usr",
        *_system_links(),
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(TMP_SIZE), "--tmpfs", "/dev/shm",  # noqa: S108 - the sandbox's own
        "--size", str(TMP_SIZE), "--tmpfs", "/tmp",  # noqa: S108 - the sandbox's own
        *_data(shell, "/etc/passwd", f"{USER}:x:{uid}:{uid}::{HOME}:/bin/sh\n"),
        *_data(shell, "/etc/group", f"{USER}:x:{uid}:\n"),
        *_data(shell, "/etc/hosts", _hosts(hostname)),
        *_data(shell, "/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n"),
        "--perms", "0755", "--dir", "/home",
        "--bind", str(home), HOME,
        "--chdir", HOME,
        "--setenv", "HOME", HOME,
    ]  # fmt: skip
    relay: list[str] = []
    if shell.kubeconfig:
        argv += [*_data(shell, KUBECONFIG, shell.kubeconfig), "--setenv", "KUBECONFIG", KUBECONFIG]
    if shell.kubeconfig and shell.relay is not None:
        script = "/etc/kubernetes/relay.py"
        argv += [
            "--perms", "0755", "--dir", str(Path(RELAY_INSIDE).parent),
            "--ro-bind", str(shell.relay), RELAY_INSIDE,
            *_data(shell, script, RELAY_SCRIPT.read_text()),
        ]  # fmt: skip
        # The relay listens before the shell starts; a shell starts even if it could not.
        relay = ["/bin/sh", "-c", 'python3 "$0" "$1" "$2"; shift 3; exec "$@"',
                 script, str(_endpoint()[1]), f"{RELAY_INSIDE}/{RELAY_SOCKET}", "--"]  # fmt: skip
    limits = [
        f"--nproc={MAX_PROCESSES}",
        f"--as={MAX_ADDRESS_SPACE}",
        f"--fsize={MAX_FILE_SIZE}",
        f"--nofile={MAX_OPEN_FILES}",
    ]
    # The shell leads a session of its own inside, with the PTY as its terminal: job
    # control and Ctrl-C work, and its process groups are ones it can see. (On pipes,
    # a session without a terminal.)
    setsid = [shutil.which("setsid") or "/usr/bin/setsid", *(["--ctty"] if tty else []), "--wait"]
    prlimit = [shutil.which("prlimit") or "/usr/bin/prlimit", *limits, "--"]
    return [*argv, "--", *setsid, *_drop_to(uid), *prlimit, *relay, *shell.argv]


def _namespaces() -> list[str]:
    if os.geteuid() == 0:
        # No user namespace: root's would map the shell's user to the host's root.
        return [
            "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
            "--unshare-net",
        ]  # fmt: skip
    names = ["--unshare-all", "--unshare-user", "--disable-userns"]
    return [*names, "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID)]


def _endpoint() -> tuple[str, int]:
    """Host and port of the clusters' Kubernetes endpoint (LOCALCLOUD_K8S_URL)."""
    parts = urlsplit(settings.LOCALCLOUD_K8S_URL)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


def _hosts(hostname: str) -> str:
    lines = ["127.0.0.1\tlocalhost", f"127.0.1.1\t{hostname}"]
    endpoint = _endpoint()[0]
    if endpoint not in ("localhost", "127.0.0.1") and not endpoint.replace(".", "").isdigit():
        # Inside, the endpoint's name is the relay on the sandbox's own loopback.
        lines.append(f"127.0.0.1\t{endpoint}")
    return "\n".join(lines) + "\n"


def _drop_to(uid: int) -> list[str]:
    """Run by root, the shell becomes `uid` with no capabilities and no way to gain any."""
    if os.geteuid() != 0:
        return []  # bubblewrap already dropped them
    return [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _uid_for(home: Path) -> int:
    first, count = SANDBOX_UIDS
    digest = hashlib.sha256(str(home.resolve()).encode()).digest()
    return first + int.from_bytes(digest[:8], "big") % count


def _owned_home(folder: Path, uid: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(folder, uid, uid)
    folder.chmod(0o700)
    return folder


def _system_links() -> list[str]:
    """/bin, /lib... as this host has them: links into /usr (merged /usr) or folders."""
    args = []
    for name in SYSTEM_LINKS:
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _data(shell: Shell, dest: str, text: str) -> list[str]:
    """A read-only file made from `text` in the sandbox (a pipe bubblewrap reads)."""
    data = text.encode()
    read, write = os.pipe()
    shell.fds.append(read)
    try:
        # Fits the pipe's buffer (64 KiB): written whole before bubblewrap starts.
        if len(data) >= 65536 or os.write(write, data) != len(data):
            raise NoSandbox(f"no sandbox: {dest} is too large")
    finally:
        os.close(write)
    os.set_inheritable(read, True)
    return ["--perms", "0444", "--ro-bind-data", str(read), dest]


class EndpointRelay:
    """The host's side of a cluster shell's way out: a unix socket, alone in a folder of
    its own that the sandbox gets read-only, piping each connection to the Kubernetes
    endpoint. Open for as long as the session is."""

    def __init__(self, folder: Path, server: asyncio.AbstractServer):
        self.folder, self._server = folder, server

    @classmethod
    async def open(cls) -> EndpointRelay:
        folder = Path(tempfile.mkdtemp(prefix="localcloud-relay-"))
        folder.chmod(0o755)  # the sandbox's user passes through; it holds only the socket
        path = folder / RELAY_SOCKET
        server = await asyncio.start_unix_server(_relay_to_endpoint, path=str(path))
        path.chmod(0o666)  # connecting needs write permission on the socket
        return cls(folder, server)

    async def close(self) -> None:
        self._server.close()
        with contextlib.suppress(OSError):
            (self.folder / RELAY_SOCKET).unlink()
            self.folder.rmdir()


async def _relay_to_endpoint(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    try:
        up_reader, up_writer = await asyncio.open_connection(*_endpoint())
    except OSError:
        writer.close()
        return
    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(64 * 1024):
            writer.write(data)
            await writer.drain()  # no faster than the other side takes it
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
