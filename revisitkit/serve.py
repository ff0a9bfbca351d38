"""``revisitkit serve``: the dashboards for a team, with the kit's Voila settings.

Plain ``voila dashboards/`` starts a kernel per visit (a slow first page), keeps idle kernels
forever and lets anyone who reaches the port in. This wrapper runs Voila with:

* only ``dashboards/`` as its root: the data folder, the store and the notebooks are outside it;
* sources stripped and tracebacks hidden (a manager never sees code or a stack trace);
* a token whenever it binds beyond loopback (generated and printed when not given; a given
  token is used on loopback too);
* preheated kernels (``pool_size`` per dashboard, run before anyone asks);
* idle kernels culled (``cull_idle`` seconds without activity and no page connected);
* an execution timeout per cell.

The data the dashboards show comes from the same ``REVISITKIT_*`` environment variables as
``make serve`` (the bundled sample when unset).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from revisitkit.config import DEFAULT_CONFIG_PATH
from revisitkit.errors import UserError

__all__ = ["DASHBOARDS", "ServeSettings", "is_loopback", "voila_command"]

#: The folder served: the managers' dashboards and nothing else.
DASHBOARDS = DEFAULT_CONFIG_PATH.parent.parent / "dashboards"


def is_loopback(host: str) -> bool:
    """Whether *host* is only reachable from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8866
    token: str | None = None
    pool_size: int = 1  # preheated kernels per dashboard
    overview_pool: int = 4  # preheated kernels of the overview, the page everyone opens first
    refill_wait: int = 120  # most seconds a used preheated kernel's refill waits for spare CPU
    cull_idle: int = 600  # seconds an idle kernel with no page connected is kept
    cull_interval: int = 60  # how often idle kernels are looked for
    timeout: int = 300  # seconds a cell may run

    @classmethod
    def from_args(cls, args) -> ServeSettings:
        """The settings of ``revisitkit serve``'s parsed command line (by name, never position)."""
        return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})

    @property
    def preheats(self) -> bool:
        """Whether any dashboard has preheated kernels (``--pool-size 0 --overview-pool 4``
        preheats the overview only)."""
        return self.pool_size > 0 or self.overview_pool > 0

    def with_token(self) -> ServeSettings:
        """A token whenever the server is reachable beyond this machine."""
        if self.token is None and not is_loopback(self.host):
            return dataclasses.replace(self, token=secrets.token_urlsafe(24))
        return self


def voila_command(settings: ServeSettings, root: Path = DASHBOARDS) -> list[str]:
    """The Voila command line for *settings* (call :meth:`ServeSettings.with_token` first).

    >>> cmd = voila_command(ServeSettings(token="s3cret"))
    >>> "--Voila.token=s3cret" in cmd, "--show_tracebacks=False" in cmd, "--strip_sources=True" in cmd
    (True, True, True)
    """
    if not 1 <= settings.port <= 65535:
        raise UserError(f"--port must be from 1 to 65535, got {settings.port}")
    for name in ("pool_size", "overview_pool", "refill_wait", "cull_idle", "cull_interval",
                 "timeout"):  # fmt: skip
        if getattr(settings, name) < 0:
            raise UserError(
                f"--{name.replace('_', '-')} must be ≥ 0, got {getattr(settings, name)}"
            )
    cmd = [
        sys.executable, "-m", "voila", str(root), "--no-browser",
        f"--port={settings.port}", f"--Voila.ip={settings.host}",
        f"--Voila.root_dir={root}",
        "--strip_sources=True", "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle}",
        f"--MappingKernelManager.cull_interval={settings.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.timeout={settings.timeout}",
        # preheated kernels: hand-outs count as activity, refills wait for spare CPU
        "--VoilaConfiguration.multi_kernel_manager_class=revisitkit.kernelpool.KitKernelManager",
        f"--KitKernelManager.refill_wait={settings.refill_wait}",
    ]  # fmt: skip
    if settings.preheats:
        cmd += ["--preheat_kernel=True", f"--pool_size={settings.pool_size}"]
    cmd.append(f"--Voila.token={settings.token or ''}")
    return cmd


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host if host != "localhost" else "127.0.0.1", port))
        except OSError:
            return False
    return True


def run(settings: ServeSettings) -> int:
    """Start Voila in the foreground (Ctrl-C stops it); prints where to open it."""
    settings = settings.with_token()
    command = voila_command(settings)  # a bad option is refused before anything is printed
    if not port_free(settings.host, settings.port):
        raise UserError(
            f"port {settings.port} on {settings.host} is in use (another revisitkit serve?); "
            "stop it or choose --port"
        )
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    query = f"?token={settings.token}" if settings.token else ""
    print(f"Overview:   http://{shown}:{settings.port}/voila/render/overview.ipynb{query}")
    print(f"Dashboards: http://{shown}:{settings.port}/{query}")
    if settings.token:
        print(f"Token: {settings.token}  (every request needs it; share it with the managers)")
    if not is_loopback(settings.host):
        print(f"Listening on {settings.host}: reachable from other machines, token required.")
    print("Ctrl-C stops the server.", flush=True)
    env = os.environ.copy()
    with tempfile.TemporaryDirectory(prefix="revisitkit-voila-") as folder:
        if settings.preheats:
            # per-notebook pools (Voila reads voila.json from the Jupyter config path)
            pools = {
                "default": {"pool_size": settings.pool_size},
                "overview.ipynb": {"pool_size": settings.overview_pool},
            }
            # Voila's own refill delay stays 0: a page that finds the pool empty would wait it
            # out; KitKernelManager holds refills back while the CPU is busy instead
            manager = {"kernel_pools_config": pools, "fill_delay": 0.0}
            Path(folder, "voila.json").write_text(
                json.dumps({"VoilaKernelManager": manager}), encoding="utf-8"
            )
            env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
                [folder, *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])]
            )
        # a session of its own: a closed terminal or Ctrl-C reaches this process, which stops
        # Voila cleanly (its kernels and connection files with it)
        return _wait(subprocess.Popen(command, env=env, start_new_session=True))


def _wait(proc: subprocess.Popen) -> int:
    """Wait for Voila; Ctrl-C, a ``kill`` or a closed terminal stop it and its kernels too."""

    def stop(signum, _frame):
        raise _Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.getsignal(signal.SIGINT)
    try:
        return proc.wait()
    except (KeyboardInterrupt, _Stopped) as e:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second one waits too
            signal.signal(s, signal.SIG_IGN)
        proc.terminate()  # Voila shuts its kernels down on SIGTERM
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 128 + (e.signum if isinstance(e, _Stopped) else signal.SIGINT)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class _Stopped(Exception):
    def __init__(self, signum: int):
        self.signum = signum
