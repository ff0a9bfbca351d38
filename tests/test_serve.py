"""``revisitkit serve`` and ``revisitkit report``: access, what a page may contain, what is not
served. A real server (the kit's own command, on a free loopback port, with a token) and real
HTTP requests; the report is a real file."""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.cli import build_parser
from revisitkit.errors import UserError
from revisitkit.serve import ServeSettings, is_loopback, voila_command
from revisitkit.voila_guard import PingNote
from tests.conftest import ROOT, TEST_OUTPUT, free_port, serve_command, served

pytestmark = pytest.mark.browser
TOKEN = "test-token-3f9c"


def personal_values() -> dict[str, list[str]]:
    sample = pd.read_csv(ROOT / "data/sample/customers.csv", dtype=str, encoding="utf-8-sig")
    return {c: sample[c].dropna().tolist() for c in ("电话", "微信", "邮箱")}


@pytest.fixture(scope="module")
def server():
    def command(port: int) -> list[str]:
        return serve_command(
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--pool-size",
            "0",
            "--overview-pool",
            "0",
            "--cull-idle",
            "20",
            "--cull-interval",
            "5",
        )

    with served(command, "serve.log", cwd=TEST_OUTPUT, probe=f"/?token={TOKEN}") as url:
        yield url


@pytest.fixture(scope="module")
def open_server():
    """The default server: loopback, no token (what ``make serve`` starts)."""

    def command(port: int) -> list[str]:
        return serve_command("--port", str(port), "--pool-size", "0", "--overview-pool", "0")

    with served(command, "serve-open.log", cwd=TEST_OUTPUT) as url:
        yield url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect (to the login page) is the answer
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _unescape(text: str) -> str:
    # Voila ships the notebook's outputs as JSON inside the page: \uXXXX escapes for Chinese
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET (JSON escapes decoded), redirects not followed."""
    try:
        with _OPENER.open(url, timeout=120) as r:
            return r.status, _unescape(r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return e.code, _unescape(e.read().decode("utf-8", "replace"))


def raw_get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and body of a GET of *path* sent exactly as written (``..`` kept, not
    normalised as urllib would), with *headers* (a ``Host`` among them replaces the real one)."""
    parts = urllib.parse.urlsplit(url)
    headers = headers or {}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.putrequest("GET", path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        return reply.status, _unescape(reply.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def websocket_status(url: str, path: str, host: str) -> int:
    """The status a websocket handshake on *path* gets with ``Host`` and ``Origin`` both *host*
    (what a page of a rebound name sends): 101 when the socket opens."""
    parts = urllib.parse.urlsplit(url)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as s:
        s.sendall(request.encode("ascii"))
        return int(s.recv(4096).split(b"\r\n", 1)[0].split()[1])


def test_a_token_is_generated_beyond_loopback_and_kept_when_given():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("192.168.1.20")
    wide = ServeSettings(host="0.0.0.0").with_token()
    assert wide.token and len(wide.token) >= 24
    assert f"--Voila.token={wide.token}" in voila_command(wide)
    assert ServeSettings(host="0.0.0.0").with_token().token != wide.token  # fresh each time
    assert ServeSettings(host="127.0.0.1").with_token().token is None
    assert ServeSettings(host="0.0.0.0", token="mine").with_token().token == "mine"
    cmd = voila_command(ServeSettings())
    # only dashboards/ is served, tracebacks hidden, sources stripped, kernels culled
    assert str(ROOT / "dashboards") in cmd
    for flag in (
        "--show_tracebacks=False",
        "--strip_sources=True",
        "--preheat_kernel=True",
        "--MappingKernelManager.cull_idle_timeout=600",
    ):
        assert flag in cmd


def test_without_the_token_every_request_is_refused(server):
    for path in (
        "/",
        "/voila/render/overview.ipynb",
        "/voila/render/segmentation.ipynb",
        "/api/kernels",
    ):
        status, body = get(server + path)
        # refused: sent to the login page, forbidden, or not there at all
        assert status in (302, 401, 403, 404), (path, status)
        assert "load_workspace" not in body and "客户分层" not in body
    status, _ = get(f"{server}/voila/render/segmentation.ipynb?token=wrong")
    assert status in (302, 401, 403)
    status, body = get(f"{server}/?token={TOKEN}")
    assert status == 200


def test_a_dashboard_page_has_no_code_no_traceback_no_personal_data(server):
    status, body = get(f"{server}/voila/render/segmentation.ipynb?token={TOKEN}")
    assert status == 200
    assert "客户分层" in body
    assert "load_workspace" not in body and "import " not in body
    assert not re.search(r"Traceback|Error:", body)
    for column, values in personal_values().items():
        leaked = [v for v in values if v in body]
        assert not leaked, f"unmasked {column}: {leaked[:3]}"


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/../data/campaign.yaml",
        "/voila/files/%2e%2e/data/campaign.yaml",
        "/voila/files/..%2fdata%2fsample%2fcustomers.csv",
        "/voila/render/../notebooks/01-segmentation.ipynb",
        "/voila/render/%2e%2e/notebooks/01-segmentation.ipynb",
        "/voila/files/data/revisitkit.db",
        "/voila/tree/..",
        "/files/../data/sample/customers.csv",
        "/api/contents/../data",
        "/voila/static/../../data/campaign.yaml",
    ],
)
def test_nothing_outside_dashboards_is_served(server, path):
    status, body = get(f"{server}{path}{'&' if '?' in path else '?'}token={TOKEN}")
    assert status != 200 or (
        "segments:" not in body and "客户编号" not in body and "01-segmentation" not in body
    ), (path, status)
    assert "SQLite format" not in body


@pytest.mark.parametrize("token", ["", "   ", "\t"])
def test_an_empty_token_is_refused_not_served_without_one(token):
    """``--token "$TOKEN"`` with $TOKEN unset gives an empty token: refused (exit 2), never a
    server without authentication."""
    with pytest.raises(UserError, match="--token is empty"):
        voila_command(ServeSettings(host="0.0.0.0", token=token).with_token())
    proc = subprocess.Popen(
        serve_command(
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--token",
            token,
            "--pool-size",
            "0",
            "--overview-pool",
            "0",
        ),
        cwd=TEST_OUTPUT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.terminate()  # serve stops Voila on SIGTERM
        proc.communicate(timeout=60)
        pytest.fail(f"revisitkit serve --token {token!r} started a server")
    assert proc.returncode == 2 and "Traceback" not in err
    assert "revisitkit: error: --token is empty" in err and "Listening" not in out


def test_a_cell_time_limit_below_one_second_is_refused(capsys):
    """``--timeout 0`` would end every page at its first part (nbclient's limit of 0 s)."""
    with pytest.raises(UserError, match="--timeout must be at least 1"):
        voila_command(ServeSettings(timeout=0))
    assert ServeSettings().timeout == 60
    assert "--VoilaExecutor.timeout=60" in voila_command(ServeSettings())


def test_a_host_that_is_not_a_loopback_name_is_refused_every_request(open_server):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reaches the
    server with ``Host: evil.example``. Nothing is answered to that name, websockets included;
    loopback names are answered."""
    port = urllib.parse.urlsplit(open_server).port
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"localhost.evil.example:{port}",
        f"127.0.0.1.nip.io:{port}",
        f"0x7f000001.example:{port}",
    ):
        for path in (
            "/",
            "/voila/tree",
            "/voila/render/segmentation.ipynb",
            "/voila/static/voila.js",
            "/voila/api/contents",
            "/nothing",
        ):
            status, body = raw_get(open_server, path, {"Host": host})
            assert status in (400, 403), (host, path, status)
            assert "Voilà" not in body and "客户分层" not in body and "voila" not in body
            assert "年前回访看板" not in body
    for host in (
        f"localhost:{port}",
        f"127.0.0.1:{port}",
        f"127.0.0.2:{port}",
        f"[::1]:{port}",
        "LOCALHOST",
        "localhost.",
    ):
        status, body = raw_get(open_server, "/", {"Host": host})
        # the kit's landing page (its Voila template), not Voila's file listing
        assert status == 200 and "年前回访看板" in body, host


def test_a_kernel_websocket_opens_for_a_loopback_name_only(open_server):
    """The websocket of a dashboard's kernel, asked for with ``Host`` and ``Origin`` of a
    rebound name (same origin, so the origin check alone lets it through)."""
    port = urllib.parse.urlsplit(open_server).port
    status, page = raw_get(
        open_server, "/voila/render/segmentation.ipynb", {"Host": f"127.0.0.1:{port}"}
    )
    assert status == 200
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page)[1]
    channels = f"/api/kernels/{kernel}/channels"
    assert websocket_status(open_server, channels, f"evil.example:{port}") in (400, 403)
    assert websocket_status(open_server, channels, f"127.0.0.1:{port}") == 101


def test_allow_host_names_the_other_names_a_server_answers():
    args = build_parser().parse_args(
        ["serve", "--allow-host", "dash.example", "--allow-host", "Team.Example"]
    )
    assert ServeSettings.from_args(args).allow_hosts == ("dash.example", "Team.Example")
    assert ServeSettings.from_args(build_parser().parse_args(["serve"])).allow_hosts == ()
    for bad in ("", "a b", "http://x.example", "x.example:8866"):
        with pytest.raises(UserError, match="--allow-host"):
            voila_command(ServeSettings(allow_hosts=(bad,)))

    def command(port: int) -> list[str]:
        return serve_command(
            "--port",
            str(port),
            "--pool-size",
            "0",
            "--overview-pool",
            "0",
            "--allow-host",
            "dash.example",
            "--allow-host",
            "Team.Example",
        )

    with served(command, "serve-allow-host.log", cwd=TEST_OUTPUT) as url:
        port = urllib.parse.urlsplit(url).port
        for host in (f"dash.example:{port}", "team.example", f"localhost:{port}"):
            assert raw_get(url, "/", {"Host": host})[0] == 200, host
        assert raw_get(url, "/", {"Host": f"evil.example:{port}"})[0] in (400, 403)


def test_the_host_names_a_server_answers_by_where_it_listens():
    from revisitkit.voila_guard import host_allowed

    # loopback: loopback names only (and the one it was told to listen on)
    assert host_allowed("localhost:8866", "127.0.0.1") and host_allowed("127.9.9.9", "127.0.0.1")
    assert host_allowed("[::1]:8866", "::1") and host_allowed("127.1", "127.1")
    assert not host_allowed("192.168.1.20:8866", "127.0.0.1")
    assert not host_allowed("evil.example", "127.0.0.1") and not host_allowed("127.1", "127.0.0.1")
    # one address: that address too
    assert host_allowed("192.168.1.20:8866", "192.168.1.20")
    assert not host_allowed("192.168.1.21", "192.168.1.20")
    # every address: any address (a rebound name is a name, never an address) and this
    # machine's own name; other names only when allowed
    assert host_allowed("192.168.1.20:8866", "0.0.0.0") and host_allowed("[fe80::1]:1", "::")
    assert host_allowed(socket.gethostname(), "0.0.0.0")
    assert not host_allowed("evil.example", "0.0.0.0")
    assert host_allowed("Dash.Example:8866", "0.0.0.0", ("dash.example",))


@pytest.mark.parametrize(
    "path",
    [
        "/logout",
        "/voila/templates/lab/static/../../../../../../../etc/passwd",
        "/voila/templates/lab/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/voila/templates/../../../../../../etc/passwd",
        "/voila/templates/lab",
        "/voila/templates/lab/other/voila.js",
        "/voila/static/../../../../../../etc/passwd",
    ],
)
def test_odd_paths_are_not_found_never_a_server_error(open_server, path):
    status, body = raw_get(open_server, path)
    assert 400 <= status < 500, (path, status)
    assert "root:" not in body and "Traceback" not in body


def test_the_ping_false_alarm_is_left_out_and_nothing_else():
    """Seen in every server log: tornado's "The websocket_ping_timeout (90000) cannot be longer
    than the websocket_ping_interval (30000)" (jupyter_server's milliseconds read as seconds,
    jupyter_server #1612). Only that record is dropped."""
    note = PingNote()

    def record(name: str, msg: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, None, None)

    alarm = (
        "The websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval"
        " (30000).\nSetting websocket_ping_timeout=30000"
    )
    assert not note.filter(record("tornado.general", alarm))
    assert note.filter(record("tornado.general", "Uncaught exception GET /x"))
    assert note.filter(record("KitVoila", alarm))  # the same words from elsewhere: kept
    assert note.filter(record("KitVoila", "WebSocket ping timeout after 30001 ms."))


def test_the_token_never_reaches_the_log(server):
    """Requests that carry the token (refused, missing, odd ones) leave it out of the log."""
    for path in (
        "/nothing",
        "/voila/render/missing.ipynb",
        "/logout",
        "/voila/tree/nothing",
        "/api/kernels/00000000-0000-0000-0000-000000000000",
    ):
        get(f"{server}{path}?token={TOKEN}")
    get(f"{server}/nothing?next=%2F&token={TOKEN}&x=1")
    log = TEST_OUTPUT / "serve.log"
    deadline = time.monotonic() + 30
    while "GET /nothing?next=" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the refused requests were not logged"
        time.sleep(0.5)
    text = log.read_text(errors="replace")
    assert TOKEN not in text, [line for line in text.splitlines() if TOKEN in line][:8]
    assert "GET /nothing?token=[secret]" in text  # masked, not dropped: the request is there


def test_the_static_report_is_self_contained_and_masked(tmp_path):
    out = tmp_path / "报告" / "report.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
    env["REVISITKIT_STORE"] = str(TEST_OUTPUT / "no-store" / "revisitkit.db")
    done = subprocess.run(
        [sys.executable, "-m", "revisitkit", "report", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for heading in (
        "指标与进度 KPIs and progress",
        "客户分层与优先级",
        "人员配置与排期",
        "预算与回报",
        "风险 Risks",
    ):
        assert heading in text
    # burn-up, segment bars, deadline timeline, attainment, workload, budget split, cost by
    # segment, plan against actual, risk heat maps: nine charts, all embedded
    assert text.count("data:image/png;base64,") == 9
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["']https?://""", text)  # nothing fetched from outside
    assert "Traceback" not in text and "load_workspace" not in text
    for column, values in personal_values().items():
        leaked = [v for v in values if v in text]
        assert not leaked, f"unmasked {column}: {leaked[:3]}"
    assert re.search(r"\*{7}\d{4}\b", text)  # phones appear masked: at most 4 digits show


def test_report_refuses_a_name_that_is_not_html(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "revisitkit", "report", "--out", str(tmp_path / "report.pdf")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the report is an .html file" in done.stderr


def test_every_serve_option_reaches_voila_under_its_own_name():
    args = build_parser().parse_args(
        [
            "serve",
            "--pool-size",
            "2",
            "--overview-pool",
            "3",
            "--refill-wait",
            "7",
            "--cull-idle",
            "11",
            "--cull-interval",
            "13",
            "--timeout",
            "17",
        ]
    )
    settings = ServeSettings.from_args(args)
    assert (settings.pool_size, settings.overview_pool, settings.refill_wait) == (2, 3, 7)
    assert (settings.cull_idle, settings.cull_interval, settings.timeout) == (11, 13, 17)
    cmd = voila_command(settings)
    for flag in (
        "--pool_size=2",
        "--KitKernelManager.refill_wait=7",
        "--MappingKernelManager.cull_idle_timeout=11",
        "--MappingKernelManager.cull_interval=13",
        "--VoilaExecutor.timeout=17",
    ):
        assert flag in cmd
    # the overview alone can be preheated; no pool at all switches preheating off
    assert "--preheat_kernel=True" in voila_command(ServeSettings(pool_size=0, overview_pool=2))
    assert "--preheat_kernel=True" not in voila_command(ServeSettings(pool_size=0, overview_pool=0))


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_stopping_serve_stops_voila_and_its_kernels():
    """A ``kill`` of ``revisitkit serve`` (a service manager's stop) takes Voila and every
    kernel with it: nothing is left holding the port or the memory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
    env["REVISITKIT_STORE"] = str(TEST_OUTPUT / "no-store" / "revisitkit.db")
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    with (TEST_OUTPUT / "serve-stop.log").open("w") as log:
        proc = subprocess.Popen(
            serve_command("--port", str(free_port()), "--pool-size", "0", "--overview-pool", "1"),
            cwd=TEST_OUTPUT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            voila, kernels = [], []
            while not kernels and time.monotonic() < deadline:
                time.sleep(0.5)
                voila = _children(proc.pid)
                kernels = [k for v in voila for k in _children(v)]
            assert voila and kernels, "Voila did not start a preheated kernel within 120 s"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 128 + signal.SIGTERM
            deadline = time.monotonic() + 30
            while any(map(_running, voila + kernels)) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert not [p for p in voila + kernels if _running(p)], "left running"
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_kernel_preheated_long_before_is_not_culled_before_its_page_connects(browser):
    """A kernel idle in the pool longer than the culling timeout is handed to a page whose
    scripts arrive slowly (3 s): the page still comes alive. Plain Voila culls that kernel at the
    next pass, before the page's widgets connect, and the page never renders."""

    def command(port: int) -> list[str]:
        return serve_command(
            "--port",
            str(port),
            "--pool-size",
            "0",
            "--overview-pool",
            "1",
            "--cull-idle",
            "15",
            "--cull-interval",
            "1",
        )

    with served(command, "serve-preheat.log", cwd=TEST_OUTPUT) as url:
        log = TEST_OUTPUT / "serve-preheat.log"
        deadline = time.monotonic() + 240
        while "Kernel pool of overview.ipynb is filled" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the overview was not preheated within 240 s"
            time.sleep(1)
        # the pool is "filled" when the kernel starts; the overview then runs for a few seconds:
        # after this the preheated kernel has been idle longer than --cull-idle
        time.sleep(30)
        ctx = browser.new_context(viewport={"width": 1400, "height": 2000})
        try:
            page = ctx.new_page()

            def slow(route):
                time.sleep(3)
                route.continue_()

            page.route("**/voila/static/voila.js*", slow)
            page.goto(f"{url}/voila/render/overview.ipynb", wait_until="commit")
            page.wait_for_selector("[data-testid=filter-status]", timeout=90_000)
        finally:
            ctx.close()
        assert "Using pre-heated kernel" in log.read_text(errors="replace")
