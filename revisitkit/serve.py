"""``revisitkit serve``: the dashboards for a team, with the kit's Voila settings.

Plain ``voila dashboards/`` starts a kernel per visit (a slow first page), keeps idle kernels
forever and lets anyone who reaches the port in. This wrapper runs Voila with:

* only ``dashboards/`` as its root: the data folder, the store and the notebooks are outside it;
* sources stripped and tracebacks hidden (a manager never sees code or a stack trace);
* a token whenever it binds beyond loopback (generated and printed when not given; a given
  token is used on loopback too, and is never printed); an empty or blank ``--token`` (an
  unset ``$TOKEN``) is refused, never taken for "no token";
* only this server's own host names answered (loopback ones, the address it listens on, names
  given with ``--allow-host``): a page of another name rebound to this address (DNS rebinding)
  gets 403, websockets included;
* paths with ``.``/``..`` segments, malformed template paths and ``/logout`` answered 404,
  never 500;
* the token masked in every log line (``token=[secret]``);
* preheated kernels (``pool_size`` per dashboard, run before anyone asks);
* idle kernels culled (``cull_idle`` seconds without activity and no page connected);
* an execution timeout per cell;
* the kit's Voila template (:data:`KIT_TEMPLATE`): a Chinese landing page at ``/`` with every
  dashboard as a card, no request to any other server (Voila's lab template fetches
  FontAwesome from a CDN), and pages that scroll and print whole.

The guards live in :mod:`revisitkit.voila_guard`, the Voila application this runs. The data
the dashboards show comes from the same ``REVISITKIT_*`` environment variables as
``make serve`` (the bundled sample when unset).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from revisitkit.errors import UserError
from revisitkit.kit import KIT_DASHBOARDS

__all__ = [
    "DASHBOARDS",
    "KIT_TEMPLATE",
    "ServeSettings",
    "is_loopback",
    "template_env",
    "template_options",
    "voila_command",
]

#: The folder served outside a workspace: the kit's dashboards and nothing else (a workspace
#: serves its own copies, :attr:`revisitkit.workspace_dir.Workspace.dashboards`).
DASHBOARDS = KIT_DASHBOARDS

#: The Jupyter data folder holding the kit's Voila template, ``voila/templates/revisitkit``
#: (Voila looks for templates on ``JUPYTER_PATH``; the wheel carries the folder).
KIT_JUPYTER = Path(__file__).resolve().parent / "jupyter"
#: The kit's Voila template: Voila's lab template without its CDN stylesheets, with a print
#: stylesheet, and its landing page (``tree-lab.html``) listing the dashboards as cards.
KIT_TEMPLATE = "revisitkit"


def template_options() -> list[str]:
    """Voila's options for the kit's template (give :func:`template_env` to the process)."""
    return [f"--VoilaConfiguration.template={KIT_TEMPLATE}"]


def template_env(env: dict[str, str]) -> dict[str, str]:
    """*env* with the kit's template folder first on ``JUPYTER_PATH``.

    >>> template_env({"JUPYTER_PATH": "/x"})["JUPYTER_PATH"].endswith(os.pathsep + "/x")
    True
    """
    out = dict(env)
    out["JUPYTER_PATH"] = os.pathsep.join(
        [str(KIT_JUPYTER), *filter(None, [env.get("JUPYTER_PATH")])]
    )
    return out


def is_loopback(host: str) -> bool:
    """Whether *host* is only reachable from this machine.

    A host that is neither ``localhost`` nor an address :mod:`ipaddress` reads (``127.1``,
    a name) counts as reachable from elsewhere: a token is then required.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    >>> is_loopback("127.1"), is_loopback("LocalHost")
    (False, True)
    """
    if host.lower() == "localhost":
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
    # seconds a cell may run: then the page says so, with a reload button (revisitkit.page_faults).
    # The slowest cell measured: 6 s on the sample, 15 s on 10,000 customers, alone on 2 cores
    timeout: int = 60
    allow_hosts: tuple[str, ...] = ()  # Host names answered besides loopback and --host

    def __post_init__(self):
        # argparse gives a list (or None when nothing was appended): kept as a tuple
        object.__setattr__(self, "allow_hosts", tuple(self.allow_hosts or ()))

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


#: the shortest token accepted beyond loopback (a generated one has 32 characters)
MIN_TOKEN = 8
#: the settings that count kernels or seconds: never below 0
_COUNTS = ("pool_size", "overview_pool", "refill_wait", "cull_idle", "cull_interval", "timeout")


def voila_command(settings: ServeSettings, root: Path = DASHBOARDS) -> list[str]:
    """The Voila command line for *settings* (call :meth:`ServeSettings.with_token` first).

    >>> cmd = voila_command(ServeSettings(token="s3cret"))
    >>> "--Voila.token=s3cret" in cmd, "--show_tracebacks=False" in cmd, "--strip_sources=True" in cmd
    (True, True, True)
    >>> voila_command(ServeSettings(token=" "))
    Traceback (most recent call last):
    revisitkit.errors.UserError: --token is empty (an unset variable?): give one, or leave --token out (one is generated beyond loopback)
    """
    if settings.token is not None and not settings.token.strip():
        # Voila takes an empty token for "no authentication": never what --token "$TOKEN" meant
        raise UserError(
            "--token is empty (an unset variable?): give one, or leave --token out "
            "(one is generated beyond loopback)"
        )
    if settings.token and any(c.isspace() or not c.isprintable() for c in settings.token):
        raise UserError("--token must not contain spaces or control characters")
    if settings.token and not is_loopback(settings.host) and len(settings.token) < MIN_TOKEN:
        raise UserError(
            f"--token must have at least {MIN_TOKEN} characters when the server is reachable "
            f"from other machines, got {len(settings.token)}; or leave --token out (one is "
            "generated)"
        )
    for name in settings.allow_hosts:
        if not _host_name_ok(name):
            raise UserError(
                f"--allow-host takes a host name or address as the browser's address bar shows "
                f"it, without scheme or port (dash.example, 192.168.1.20), got {name!r}"
            )
    if not 1 <= settings.port <= 65535:
        raise UserError(f"--port must be from 1 to 65535, got {settings.port}")
    if settings.timeout < 1:  # nbclient would time every cell out at once
        raise UserError(
            f"--timeout must be at least 1 (the seconds a part of a dashboard may compute), "
            f"got {settings.timeout}"
        )
    for name in _COUNTS:
        if getattr(settings, name) < 0:
            raise UserError(
                f"--{name.replace('_', '-')} must be ≥ 0, got {getattr(settings, name)}"
            )
    # Voila with the kit's guards in front of its handlers (Host names, odd paths, the token
    # kept out of the log): see revisitkit.voila_guard
    cmd = [sys.executable, "-m", "revisitkit.voila_guard", str(root), "--no-browser"]
    cmd += [
        f"--port={settings.port}",
        f"--Voila.ip={settings.host}",
        f"--Voila.root_dir={root}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle}",
        f"--MappingKernelManager.cull_interval={settings.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.timeout={settings.timeout}",
        # preheated kernels: hand-outs count as activity, refills wait for spare CPU
        "--VoilaConfiguration.multi_kernel_manager_class=revisitkit.kernelpool.KitKernelManager",
        f"--KitKernelManager.refill_wait={settings.refill_wait}",
        *template_options(),
    ]
    if settings.preheats:
        cmd += ["--preheat_kernel=True", f"--pool_size={settings.pool_size}"]
    cmd += [f"--KitVoila.allow_hosts={name}" for name in settings.allow_hosts]
    cmd.append(f"--Voila.token={settings.token or ''}")
    return cmd


#: A DNS name as ``--allow-host`` takes it (an address is read by :mod:`ipaddress`).
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?")


def _host_name_ok(name: str) -> bool:
    """Whether *name* is a host name or an address (IPv6 in brackets or not), nothing more.

    >>> [_host_name_ok(n) for n in ("dash.example", "[::1]", "x.example:8866", "http://x", "")]
    [True, True, False, False, False]
    """
    if _HOST_NAME.fullmatch(name):
        return True
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host if host != "localhost" else "127.0.0.1", port))
        except OSError:
            return False
    return True


def run(settings: ServeSettings, root: Path = DASHBOARDS, env: dict | None = None) -> int:
    """Start Voila in the foreground (Ctrl-C stops it) on the dashboards in *root*, with the
    environment *env* (default: this process's); prints where to open it."""
    generated = settings.token is None
    settings = settings.with_token()
    generated = generated and settings.token is not None
    command = voila_command(settings, root)  # a bad option is refused before anything is printed
    if not port_free(settings.host, settings.port):
        raise UserError(
            f"port {settings.port} on {settings.host} is in use (another revisitkit serve?); "
            "stop it or choose --port"
        )
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    # a token given on the command line is not printed back: this output often ends up in a
    # log (a service manager's), and whoever gave it knows it; a generated one must be shown
    query = (
        f"?token={settings.token}" if generated else "?token=YOUR-TOKEN" if settings.token else ""
    )
    print(f"Overview:   http://{shown}:{settings.port}/voila/render/overview.ipynb{query}")
    print(f"Dashboards: http://{shown}:{settings.port}/{query}")
    if generated:
        print(f"Token: {settings.token}  (every request needs it; share it with the managers)")
    elif settings.token:
        print("Token: the one given with --token (every request needs it; not printed here)")
    if not is_loopback(settings.host):
        print(f"Listening on {settings.host}: reachable from other machines, token required.")
    names = ", ".join(["localhost", "127.0.0.1", *settings.allow_hosts])
    print(f"Answers to: {names}{_answered_too(settings.host)}; other names with --allow-host NAME.")
    print("Ctrl-C stops the server.", flush=True)
    env = template_env(dict(os.environ if env is None else env))
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
                [folder, *filter(None, [env.get("JUPYTER_CONFIG_PATH")])]
            )
        # a session of its own: a closed terminal or Ctrl-C reaches this process, which stops
        # Voila cleanly (its kernels and connection files with it)
        return _wait(subprocess.Popen(command, env=env, start_new_session=True))


def _answered_too(host: str) -> str:
    """The names beyond loopback and --allow-host a server on *host* answers (see
    :func:`revisitkit.voila_guard.host_allowed`), for the banner."""
    if host in ("", "0.0.0.0", "::"):
        return f", any address of this machine, {socket.gethostname()}"
    return "" if host in ("localhost", "127.0.0.1") else f", {host}"


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
