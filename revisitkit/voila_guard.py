"""The Voila that ``revisitkit serve`` runs: Voila 0.5 with guards in front of its handlers.

``revisitkit serve`` starts ``python -m revisitkit.voila_guard`` instead of ``python -m voila``;
:class:`KitVoila` is Voila's own application with these changes:

* **Host names** (DNS rebinding): a page of ``evil.example`` whose name the attacker points at
  127.0.0.1 reaches a loopback server with ``Host: evil.example`` and the same origin, so the
  browser lets it read the dashboards and open kernel websockets. Every request, websockets
  included, whose ``Host`` is not one of this server's names is answered 403: loopback names
  (``localhost``, 127.0.0.0/8, ``::1``), the address it listens on, the names given with
  ``--allow-host`` (:attr:`KitVoila.allow_hosts`), and, when it listens on every address,
  any IP address (a rebound name is a name, never an address) and this machine's host name.
* **Odd paths**: a path with a ``.`` or ``..`` segment (raw or percent-encoded; browsers never
  send one) is answered 404; Voila's template static handler asserted on such paths and
  answered 500. Template paths not of the form ``<template>/static/<file>`` are 404 too.
* **No /logout**: jupyter_server's logout page needs a ``static_path`` setting the standalone
  Voila does not have, and answered 500. The kit has no logout (access is the token in the
  link), so the page is not served: 404.
* **Waits for a kernel's message cannot hang** on a lost wake-up: the executor waited forever
  for a reply the kernel had sent (issue 16; see :mod:`revisitkit.kernelwait`, installed by
  :meth:`KitVoila.initialize`). This one does patch a library, ``jupyter_client``'s async
  channel wait, in this server process only.
* **A part of a page that fails or runs out of time says so in a manager's words**, with a
  reload button, instead of Voila's advice to run it with other options; a preheated kernel
  whose run ran out of time is replaced, not handed to a manager (issue 16; see
  :mod:`revisitkit.page_faults`, installed by :meth:`KitVoila.initialize`: it puts the kit's
  executor in Voila's page renderer, in this server process only).
* **No false alarm about websocket pings**: at the first kernel websocket tornado 6.5 warned
  "The websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval
  (30000)". jupyter_server keeps its websockets alive with its own timer (a ping every 30 s, a
  pong due within 90 s) and hands tornado the same numbers, which are milliseconds to it and
  seconds to tornado: tornado's own ping would come every 8 hours and never does anything
  here. Asking for a 30 s timeout instead silences tornado but makes jupyter_server's timer
  close the widgets' websocket at the first pong a millisecond late (seen: "WebSocket ping
  timeout after 30001 ms"), so the warning is left out of the log instead (:class:`PingNote`;
  upstream: https://github.com/jupyter-server/jupyter_server/issues/1612).
* **The token is masked in the log**: tornado's access log and its uncaught-exception log
  print the request's URL, ``?token=…`` included; every log line here has ``token=[secret]``.

Why a subclass and not configuration: Voila builds its tornado application in
``Voila.start`` and adds its handlers with no hook in front of them. ``Voila.tornado_settings``
(``allow_remote_access``, ``local_hostnames``) reaches only the handlers derived from
jupyter_server's ``JupyterHandler``, not the tornado static file handlers behind
``/voila/static``, ``/voila/templates`` and ``/voila/files``. :meth:`KitVoila.init_handlers`
puts its rules before all of Voila's handlers; nothing of Voila's is patched.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
import urllib.parse
from collections.abc import Callable, Iterable

from tornado import web
from tornado.httputil import HTTPServerRequest
from tornado.routing import Matcher, Rule
from traitlets import List, Unicode
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler

from revisitkit import kernelwait, page_faults

__all__ = ["KitVoila", "TokenMask", "host_allowed", "host_name"]

#: Addresses that listen on every interface (tornado listens on all for an empty one).
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::"})


def host_name(host: str) -> str:
    """The name in a ``Host`` header: no port, no IPv6 brackets, lower case, no final dot.

    >>> host_name("Evil.Example.:8866"), host_name("[::1]:8866"), host_name("::1")
    ('evil.example', '::1', '::1')
    """
    host = host.strip()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        host = host.partition(":")[0]
    return host.rstrip(".").lower()


@functools.cache
def _own_names() -> frozenset[str]:
    # gethostname() asks no DNS server (getfqdn() may, and wait for it): other names of the
    # machine are given with --allow-host
    name = socket.gethostname().lower()
    return frozenset({name, name.partition(".")[0]})


def host_allowed(host: str, bind: str, allowed: Iterable[str] = ()) -> bool:
    """Whether a request with ``Host: host`` is answered by a server listening on *bind*.

    Loopback names always; the address listened on; the *allowed* names; when listening on
    every address, any IP address and this machine's host name. Other names are what a DNS
    rebinding attack sends.

    >>> host_allowed("localhost:8866", "127.0.0.1"), host_allowed("evil.example", "127.0.0.1")
    (True, False)
    >>> host_allowed("10.0.0.5", "0.0.0.0"), host_allowed("evil.example", "0.0.0.0", ["Evil.Example"])
    (True, True)
    """
    name = host_name(host)
    if name == "localhost" or name == host_name(bind):
        return True
    if name in {host_name(a) for a in allowed}:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:  # a name, or an address ipaddress does not read (127.1)
        return bind in EVERY_ADDRESS and name in _own_names()
    return address.is_loopback or bind in EVERY_ADDRESS


def _odd_path(request: HTTPServerRequest) -> bool:
    """A ``.`` or ``..`` segment in the path, as sent or percent-decoded (what tornado's file
    handlers decode): browsers resolve those before asking, so only a crafted request has one."""
    path = urllib.parse.unquote(request.path).replace("\\", "/")
    return any(segment in (".", "..") for segment in path.split("/"))


class _When(Matcher):
    """Matches the requests *test* is true of (a tornado rule for every path and method)."""

    def __init__(self, test: Callable[[HTTPServerRequest], bool]):
        self.test = test

    def match(self, request: HTTPServerRequest) -> dict | None:
        return {} if self.test(request) else None


class Refused(web.RequestHandler):
    """Answers *status* to any request, a websocket handshake included (before it upgrades)."""

    def initialize(self, status: int, why: str) -> None:
        self.status, self.why = status, why

    def prepare(self) -> None:
        # the log line tells the operator why; the page says only the status
        raise web.HTTPError(self.status, "%s (Host %r)", self.why, self.request.host)


class TemplateStaticFiles(TemplateStaticFileHandler):
    """Voila's template static files, a path not of the form ``<template>/static/<file>``
    answered 404 (Voila asserts the form, and answers 500)."""

    def parse_url_path(self, url_path: str) -> str:
        template, static, rest = (url_path.split("/", 2) + ["", ""])[:3]
        if not template or static != "static" or not rest:
            raise web.HTTPError(404)
        return super().parse_url_path(url_path)

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        try:
            return super().get_absolute_path(root, path)
        except (ValueError, AssertionError):  # not <template>/static/<file> once normalised
            raise web.HTTPError(404) from None


class TokenMask(logging.Filter):
    """Masks the token in a log line: ``token=…`` in a URL (also percent-encoded, as in a login
    redirect's ``next``), ``Authorization: token …``, and the token itself when *secret* gives
    one of 8 characters or more (a shorter one would mask ordinary words).

    >>> mask = TokenMask(lambda: "s3cret-token")
    >>> mask.mask("404 GET /x?next=%2F%3Ftoken%3Dabc&token=abc (127.0.0.1)")
    '404 GET /x?next=%2F%3Ftoken%3D[secret]&token=[secret] (127.0.0.1)'
    >>> mask.mask("headers: Authorization: token abc, then s3cret-token")
    'headers: Authorization: token [secret], then [secret]'
    """

    PATTERN = re.compile(
        r"(token(?:=|%3D|%253D)|authorization:\s*token\s+)[^&\s'\"#;,)]+", re.IGNORECASE
    )

    def __init__(self, secret: Callable[[], str | None] = lambda: None):
        super().__init__()
        self.secret = secret

    def mask(self, text: str) -> str:
        text = self.PATTERN.sub(r"\1[secret]", text)
        secret = self.secret()
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:  # the formatter then uses this text
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


class PingNote(logging.Filter):
    """Leaves out of the log tornado's warning that jupyter_server's websocket ping timeout is
    longer than its interval (see the module docstring); every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "tornado.general"
            and str(record.msg).startswith("The websocket_ping_timeout (")
            and "cannot be longer than the websocket_ping_interval" in str(record.msg)
        )


class KitVoila(Voila):
    """Voila with the guards described in :mod:`revisitkit.voila_guard`."""

    allow_hosts = List(
        Unicode(),
        config=True,
        help="Host names answered besides loopback ones and the address listened on.",
    )

    def initialize(self, argv=None) -> None:
        super().initialize(argv)
        kernelwait.install(self.log)
        page_faults.install()

    def get_default_logging_config(self) -> dict:
        # built again at each logging change, so the mask cannot be lost by a later one
        config = super().get_default_logging_config()
        if "handlers" not in config:  # pythonw: no logging at all
            return config
        config.setdefault("filters", {})["mask_token"] = {
            "()": TokenMask,
            "secret": lambda: self.token,
        }
        config["filters"]["ping_note"] = {"()": PingNote}
        for handler in config["handlers"].values():
            handler.setdefault("filters", []).extend(["mask_token", "ping_note"])
        # tornado's access log and uncaught-exception log have no handler of their own and
        # went to Python's last resort one (warnings and above, bare message): the same, masked
        config["handlers"]["last_resort"] = {
            "class": "logging.StreamHandler",
            "level": "WARNING",
            "stream": "ext://sys.stderr",
            "filters": ["mask_token", "ping_note"],
        }
        config["root"] = {"handlers": ["last_resort"], "level": "WARNING"}
        return config

    def init_handlers(self) -> list:
        handlers = []
        for spec in super().init_handlers():
            if spec[1] is TemplateStaticFileHandler:
                spec = (spec[0], TemplateStaticFiles, *spec[2:])
            elif spec[1] is self.identity_provider.logout_handler_class:
                continue  # no logout (see the module docstring): 404
            handlers.append(spec)
        allowed = frozenset(host_name(h) for h in self.allow_hosts)
        rebound = _When(lambda request: not host_allowed(request.host, self.ip, allowed))
        why = "not a name of this server; revisitkit serve --allow-host NAME answers it"
        # first: tornado tries the rules in order, and these refuse before any handler runs
        return [
            Rule(rebound, Refused, {"status": 403, "why": why}),
            Rule(_When(_odd_path), Refused, {"status": 404, "why": "a . or .. in the path"}),
            *handlers,
        ]


if __name__ == "__main__":
    # the class from the module under its own name, not from __main__
    from revisitkit.voila_guard import KitVoila as _App

    _App.launch_instance()
