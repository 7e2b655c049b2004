"""make test-cluster: wangqian scaled out on this one machine, with hosts killed and restarted under load.

Two application hosts and two task-worker hosts run in network namespaces of their own (ip netns + veth on a
bridge), with the production entry point (manage.py serve_production) and production settings. They share one
PostgreSQL 15 primary with a streaming replica beside it (a private pair from Debian's binaries on free ports,
listening on the bridge: ops/tests/pgcluster.py; the machine's own PostgreSQL is not touched) and one S3-compatible
store (moto in server mode); nginx balances the two application hosts, which read lists from the replica
(DATABASE_REPLICA_URLS, core/replicas.py). The driver takes agreements through their whole lifecycle via the
JSON API behind nginx (invite → accept → college approval → school approval → signed PDF by a worker) while one
application host and one worker are killed (SIGKILL) and restarted. It prints the figures and exits 1 unless every
agreement completed with exactly one issued document, no duplicates and no orphaned files. Then lists and
statistics are read under load for READ_SECONDS with the replica and READ_SECONDS after it is killed (immediate
shutdown) in the middle of that load: no read may fail, and the primary's read load (pg_stat_statements,
pg_stat_database) is printed for both halves; the primary must read less while the replica serves.

Needs root (network namespaces) and Debian's nginx; run it with `make test-cluster`.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGREEMENTS = int(os.environ.get("CLUSTER_AGREEMENTS", "40"))
CLIENTS = int(os.environ.get("CLUSTER_CLIENTS", "6"))
NET = os.environ.get("CLUSTER_NET", "10.231.9")  # addresses of this script's own namespaces only
SMS_FOLDER = Path(tempfile.mkdtemp(prefix="cluster-sms-"))
GATEWAY = f"{NET}.1"
BRIDGE = "wqcbr0"
HOSTS = {"app1": 11, "app2": 12, "worker1": 21, "worker2": 22}
READ_SECONDS = float(os.environ.get("CLUSTER_READ_SECONDS", "10"))
READERS = int(os.environ.get("CLUSTER_READERS", "4"))
APP_PORT = 8000
LEASE_SECONDS = 5


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def sh(*args: str, check: bool = True) -> None:
    subprocess.run(args, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL if not check else None)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- network -------------------------------------------------------------------------------------------------


def ns(host: str) -> str:
    return f"wqc-{host}"


def network_down() -> None:
    for host, octet in HOSTS.items():
        sh("ip", "netns", "del", ns(host), check=False)
        # A run killed before its clean-up can leave the outer end of a pair behind, which would fail the next run.
        sh("ip", "link", "del", f"wqc{octet}h", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def network_up() -> None:
    network_down()
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for host, octet in HOSTS.items():
        name, outside, inside = ns(host), f"wqc{octet}h", f"wqc{octet}n"
        sh("ip", "netns", "add", name)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        sh("ip", "link", "set", inside, "netns", name)
        sh("ip", "link", "set", outside, "master", BRIDGE)
        sh("ip", "link", "set", outside, "up")
        sh("ip", "-n", name, "addr", "add", f"{NET}.{octet}/24", "dev", inside)
        sh("ip", "-n", name, "link", "set", inside, "up")
        sh("ip", "-n", name, "link", "set", "lo", "up")


# --- hosts ---------------------------------------------------------------------------------------------------


class Host:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.logfile = logdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.logfile.open("ab") as out:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", ns(self.name), *self.argv],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes the whole host down
            )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_http(url: str, timeout: float, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


NGINX_CONF = """
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log off;
    upstream wangqian_app {{
        server {net}.11:{app_port} max_fails=1 fail_timeout=3s;
        server {net}.12:{app_port} max_fails=1 fail_timeout=3s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 25m;
        location / {{
            proxy_pass http://wangqian_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_connect_timeout 2s;
            proxy_read_timeout 65s;
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


# --- the driver ----------------------------------------------------------------------------------------------


class Api:
    """The JSON API through the balancer; counts every request sent and every one that failed (5xx or no answer)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.lock = threading.Lock()
        self.sent = self.failed = 0

    def call(self, method: str, path: str, token: str = "", body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(f"{self.base}/api/v1{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with self.lock:
            self.sent += 1
        try:
            with urllib.request.urlopen(request, timeout=70) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        except OSError:
            raw, status = b"", 0
        if status == 0 or status >= 500:
            with self.lock:
                self.failed += 1
        try:
            payload = json.loads(raw) if raw and not path.endswith("/document") else raw
        except ValueError:
            payload = raw
        return status, payload

    def token(self, username: str, password: str) -> str:
        for _ in range(20):
            status, body = self.call("POST", "/auth/token", body={"username": username, "password": password})
            if status == 200:
                return str(body["token"])
            time.sleep(0.5)
        raise RuntimeError(f"no token for {username}")


def _codes_sent(phone: str) -> list[str]:
    """The six-digit codes the deployment's SMS file holds for `phone`, oldest first."""
    log = SMS_FOLDER / "sms.log"
    if not log.exists():
        return []
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = (re.search(r"(?<!\d)\d{6}(?!\d)", x["text"]) for x in lines if x["phone"] == phone)
    return [m.group(0) for m in found if m]


def confirmation(api: Api, token: str, agreement_id: int, phone: str) -> dict[str, str]:
    """本人确认 of an acceptance (issue 20): a confirmation started by the student, proven by the code the roster
    phone received; the body the acceptance carries, or {} when a step failed (the caller retries)."""
    before = len(_codes_sent(phone))
    status, started = api.call(
        "POST", "/auth/confirmations", token, {"action": "accept", "object_id": agreement_id, "method": "sms"}
    )
    if status != 201:
        return {}
    for _ in range(20):
        codes = _codes_sent(phone)
        if len(codes) > before:
            break
        time.sleep(0.25)
    else:
        return {}
    status, proof = api.call("POST", f"/auth/confirmations/{started['id']}", token, {"code": codes[-1]})
    return {"confirmation": proof["confirmation"]} if status == 200 else {}


def lifecycle(api: Api, tokens: dict[str, str], student: dict[str, Any], progress: collections.Counter[str]) -> int:
    """One agreement from invitation to effective; each step is retried until its effect is visible."""
    agreement_id = 0
    for _ in range(30):
        status, body = api.call(
            "POST", "/agreements", tokens["employer"], {"student_ids": [student["id"]], "terms": student["terms"]}
        )
        if status == 201:
            agreement_id = body[0]["id"]
            break
        # The request may have been carried out before its answer was lost: look for the agreement.
        status, listing = api.call("GET", "/agreements?page_size=100", tokens["employer"])
        if status == 200:
            found = [a["id"] for a in listing["results"] if a["student"]["id"] == student["id"]]
            if found:
                agreement_id = found[0]
                break
        time.sleep(0.5)
    if not agreement_id:
        raise RuntimeError(f"could not invite student {student['id']}")
    progress["invited"] += 1
    steps = [
        (student["token"], "accept", {"college_review"}),
        (tokens["college"], "approve", {"school_review"}),
        (tokens["school"], "approve", {"effective"}),
    ]
    for token, action, reached in steps:
        for _ in range(30):
            body = confirmation(api, token, agreement_id, student["phone"]) if action == "accept" else None
            status, body = api.call("POST", f"/agreements/{agreement_id}/{action}", token, body)
            if status == 200 and body["status"] in reached:
                break
            status, detail = api.call("GET", f"/agreements/{agreement_id}", token)
            if status == 200 and detail["status"] in reached | {"effective"}:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"agreement {agreement_id}: {action} never took effect")
        progress[action] += 1
    progress["effective"] += 1
    return int(agreement_id)


def main() -> int:
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("make test-cluster needs root and iproute2 (network namespaces)", file=sys.stderr)
        return 2
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("make test-cluster needs nginx (apt-get install nginx, or INSTALL_NGINX=1 make nginx)", file=sys.stderr)
        return 2
    from ops.tests import pgcluster
    from ops.tests.support import S3Server

    if not pgcluster.available():
        print(f"make test-cluster needs PostgreSQL 15's binaries in {pgcluster.BIN} (apt-get install postgresql-15)")
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="wangqian-cluster-"))
    database = f"wq_cluster_{os.getpid()}"
    pg = pgcluster.StreamingCluster(listen=f"127.0.0.1,{GATEWAY}")
    hosts: dict[str, Host] = {}
    nginx_proc: subprocess.Popen[bytes] | None = None
    s3: S3Server | None = None
    started = time.monotonic()
    try:
        network_up()
        pg.start()  # on the bridge's address, so it starts after the network
        pg.sql(pg.primary_port, f'CREATE DATABASE "{database}"')
        pg.sql(pg.primary_port, "CREATE EXTENSION pg_stat_statements")  # in postgres: it counts every database
        s3 = S3Server(host=GATEWAY).start()
        s3.create_bucket("wangqian")
        signing = tmp / "signing"
        from documents.signing import CA_NAME, ensure_demo_certificate

        key, cert = ensure_demo_certificate(signing)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
        env.update(
            DJANGO_SETTINGS_MODULE="wangqian.settings",
            DATABASE_URL=pg.primary_url(database, host=GATEWAY),
            DATABASE_REPLICA_URLS=pg.replica_url(database, host=GATEWAY),
            SECRET_KEY=secrets.token_urlsafe(50),
            DEBUG="0",
            WANGQIAN_DEMO="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL="http://127.0.0.1",
            HOST="0.0.0.0",
            PORT=str(APP_PORT),
            WEB_CONCURRENCY="2",
            FORWARDED_ALLOW_IPS=GATEWAY,
            STATIC_ROOT=str(tmp / "static"),
            MEDIA_ROOT=str(tmp / "media"),
            SIGNING_KEY_FILE=str(key),
            SIGNING_CERT_FILE=str(cert),
            SIGNING_CA_FILE=str(signing / CA_NAME),
            # 本人确认 by SMS code (issue 20): the provider is a file every host appends to, which lifecycle() reads.
            SMS_BACKEND="core.sms.backends.file.SmsBackend",
            SMS_FILE_PATH=str(SMS_FOLDER),
            TASK_LEASE_SECONDS=str(LEASE_SECONDS),
            TASK_HEARTBEAT_SECONDS="1",
            REQUEST_LOG="0",
            TRUSTED_PROXY_COUNT="1",  # behind the nginx balancer, as docs/DEPLOY.md says
            PYTHONUNBUFFERED="1",
            **s3.env("wangqian"),
        )
        manage = [sys.executable, str(ROOT / "manage.py"), "serve_production"]
        hosts = {
            "app1": Host("app1", [*manage, "--roles", "web"], env, tmp),
            "app2": Host("app2", [*manage, "--roles", "web", "--no-migrate"], env, tmp),
            "worker1": Host(
                "worker1",
                [*manage, "--roles", "worker,scheduler", "--no-migrate"],
                {**env, "WORKER_NAME": "worker1"},
                tmp,
            ),
            "worker2": Host(
                "worker2",
                [*manage, "--roles", "worker,scheduler", "--no-migrate"],
                {**env, "WORKER_NAME": "worker2"},
                tmp,
            ),
        }
        hosts["app1"].start()  # migrates first
        wait_http(f"http://{NET}.11:{APP_PORT}/healthz", 300)
        for name in ("app2", "worker1", "worker2"):
            hosts[name].start()
        wait_http(f"http://{NET}.12:{APP_PORT}/healthz", 300)
        port = free_port()
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, net=NET, app_port=APP_PORT, port=port))
        nginx_proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"])
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/readyz", 120)
        log(f"up in {time.monotonic() - started:.0f} s: {', '.join(hosts)} + nginx {base}, S3 {s3.endpoint}")

        students = seed(env, database)
        api = Api(base)
        tokens = {
            "employer": api.token("cluster_hr", "test-pass-2026"),
            "college": api.token("cluster_college", "test-pass-2026"),
            "school": api.token("cluster_school", "test-pass-2026"),
        }
        for student in students:
            student["token"] = api.token(student["username"], "test-pass-2026")
        progress: collections.Counter[str] = collections.Counter()
        chaos = threading.Thread(target=kill_and_restart, args=(hosts, progress), daemon=True)
        chaos.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            agreement_ids = list(pool.map(lambda s: lifecycle(api, tokens, s, progress), students))
        chaos.join(timeout=120)
        figures = collect(env, api, tokens, agreement_ids, s3, base)
        reads = read_load(base, pg, database)
        figures.update(reads)
        figures["seconds"] = round(time.monotonic() - started)
        for name, value in figures.items():
            print(f"{name}: {value}")
        checks = {
            "every agreement completed": figures["agreements completed"] == AGREEMENTS,
            "one document issued for each": figures["documents issued"] == AGREEMENTS,
            "every download matches its SHA-256": figures["downloads matching their SHA-256"] == AGREEMENTS,
            "no duplicates": figures["duplicates"] == 0,
            "no orphaned files": figures["orphaned files"] == 0,
            "no read failed, the replica killed under load": reads["read requests failed"] == 0,
            "the replica served reads": reads["replica SELECTs while up"] > 0,
            "the primary read less with the replica": 0
            < reads["primary SELECTs a request, with the replica"]
            < reads["primary SELECTs a request, without it"],
        }
        for check, passed in checks.items():
            if not passed:
                print(f"FAILED: {check}")
        ok = all(checks.values())
        print(f"cluster: {sum(checks.values())} passed, {len(checks) - sum(checks.values())} failed")
        return 0 if ok else 1
    finally:
        for host in hosts.values():
            host.stop()
        if nginx_proc is not None:
            nginx_proc.terminate()
            nginx_proc.wait(timeout=10)
        if s3 is not None:
            s3.stop()
        network_down()
        pg.close()
        if os.environ.get("CLUSTER_KEEP_LOGS"):
            log(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _read_counters(pg: Any, database: str) -> dict[str, int]:
    """The primary's and the replica's statements so far (pg_stat_statements: SELECTs run and rows they returned;
    pg_stat_database: rows returned and fetched); the replica's are 0 once it is down."""
    statements = f"""
        SELECT coalesce(sum(s.calls), 0)::bigint, coalesce(sum(s.rows), 0)::bigint
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = '{database}' AND s.query ~* '^\\s*select'
    """
    rows = f"SELECT (tup_returned + tup_fetched)::bigint FROM pg_stat_database WHERE datname = '{database}'"
    (selects, selected), (tuples,) = pg.sql(pg.primary_port, statements)[0], pg.sql(pg.primary_port, rows)[0]
    counters = {"primary selects": selects, "primary rows selected": selected, "primary tuples": tuples}
    try:
        counters["replica selects"] = pg.sql(pg.replica_port, statements)[0][0]
    except Exception:  # killed
        counters["replica selects"] = 0
    return counters


def read_load(base: str, pg: Any, database: str) -> dict[str, Any]:
    """READERS clients read lists and statistics through the balancer for READ_SECONDS with the replica, then the
    replica is killed (immediate shutdown) under that load and they read on for READ_SECONDS: every request must
    answer (reads fall back to the primary), and the primary's read load of each half is compared."""
    api = Api(base)
    school = api.token("cluster_school", "test-pass-2026")  # fresh tokens: none of them has written (no pin)
    employer = api.token("cluster_hr", "test-pass-2026")
    college = api.token("cluster_college", "test-pass-2026")
    reads = [
        (school, "/agreements?page_size=100"),
        (employer, "/agreements?page_size=100"),
        (school, "/school/stats"),
        (college, "/agreements?page_size=50&status=effective"),
    ]
    done: collections.Counter[str] = collections.Counter()
    half = ["with"]
    stop = threading.Event()

    def reader(offset: int) -> None:
        n = offset
        while not stop.is_set():
            token, path = reads[n % len(reads)]
            n += 1
            status, _ = api.call("GET", path, token)
            done[f"{half[0]} {status}"] += 1

    time.sleep(2)  # the run's last writes reach the replica and its verdicts are fresh
    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(READERS)]
    before = _read_counters(pg, database)
    for thread in threads:
        thread.start()
    time.sleep(READ_SECONDS)
    middle = _read_counters(pg, database)
    half[0] = "without"
    pg.stop_replica()
    log(f"replica killed (immediate shutdown) under read load after {sum(done.values())} reads")
    time.sleep(READ_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=80)
    after = _read_counters(pg, database)
    with_n = sum(n for k, n in done.items() if k.startswith("with "))
    without_n = sum(n for k, n in done.items() if k.startswith("without "))

    def per(key: str, a: dict[str, int], b: dict[str, int], n: int) -> float:
        return round((b[key] - a[key]) / max(n, 1), 1)

    return {
        "read requests (with the replica, after killing it)": f"{with_n}, {without_n}",
        "read requests failed": api.failed,
        "read answers": dict(done),
        "replica SELECTs while up": middle["replica selects"] - before["replica selects"],
        "primary SELECTs a request, with the replica": per("primary selects", before, middle, with_n),
        "primary SELECTs a request, without it": per("primary selects", middle, after, without_n),
        "primary rows selected a request (pg_stat_statements), with / without": (
            f"{per('primary rows selected', before, middle, with_n)} / "
            f"{per('primary rows selected', middle, after, without_n)}"
        ),
        "primary tuples read a request (pg_stat_database), with / without": (
            f"{per('primary tuples', before, middle, with_n)} / {per('primary tuples', middle, after, without_n)}"
        ),
    }


def kill_and_restart(hosts: dict[str, Host], progress: collections.Counter[str]) -> None:
    """Once a third of the agreements are invited, kill one application host at once and one worker while it is
    signing a document (SIGKILL: no clean-up); restart both after the lease time."""
    from django.db import connection
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + 600
    while progress["invited"] < AGREEMENTS // 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    log(f"killing app1 (SIGKILL) at {dict(progress)}")
    hosts["app1"].kill()

    def worker1_busy() -> bool:
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("worker_ids", flat=True)
        return any(ids and ids[-1].startswith("worker1-") for ids in running)

    deadline = time.monotonic() + 120
    while not worker1_busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    log(f"killing worker1 (SIGKILL) {'in the middle of a job' if worker1_busy() else 'while idle'}")
    hosts["worker1"].kill()
    connection.close()
    time.sleep(LEASE_SECONDS)
    hosts["app1"].argv = [*hosts["app1"].argv, "--no-migrate"]
    hosts["app1"].start()
    hosts["worker1"].start()
    log("app1 and worker1 restarted")


@contextlib.contextmanager
def django_on(env: dict[str, str], database: str) -> Iterator[None]:
    """Django in this process, on the cluster's primary (the bridge's address is this machine's own)."""
    # The bridge's address is this machine's too; the driver reads and writes the primary only.
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_REPLICA_URLS"})
    import django

    django.setup()
    yield


def seed(env: dict[str, str], database: str) -> list[dict[str, Any]]:
    """The people of the run, through the domain functions; the employer has found each student (exact search)."""
    with django_on(env, database):
        from core.services.employers import employer_search_students
        from testsupport import (
            TERMS,
            make_college,
            make_college_admin,
            make_employer,
            make_school,
            make_school_admin,
            make_student,
        )

        school = make_school("东北大学", "10145")
        # The run measures availability under failures; the admins' second factor has its own test (day one).
        school.second_factor_required = False
        school.save(update_fields=["second_factor_required"])
        college = make_college(school, "文法学院")
        employer = make_employer("沈阳鼎新科技有限公司", username="cluster_hr")
        make_college_admin(college, "cluster_college")
        make_school_admin(school, "cluster_school")
        students = []
        for _ in range(AGREEMENTS):
            s = make_student(college)
            employer_search_students(
                graduation_year=s.graduation_year, name=s.name, id_number=s.id_number, acting_user=employer
            )
            assert s.user is not None
            students.append({"id": s.pk, "username": s.user.username, "phone": s.phone, "terms": TERMS})
        return students


def collect(
    env: dict[str, str], api: Api, tokens: dict[str, str], agreement_ids: list[int], s3: Any, base: str
) -> dict[str, Any]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from core.models import Agreement
    from documents.models import AgreementDocument

    deadline = time.monotonic() + 600
    ready = AgreementDocument.objects.filter(state=AgreementDocument.State.READY)
    while ready.count() < len(agreement_ids) and time.monotonic() < deadline:
        time.sleep(1)
    documents = list(ready)
    duplicated_documents = (
        AgreementDocument.objects.values("agreement_id", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1, kind=AgreementDocument.Kind.EFFECTIVE)
        .count()
    )
    duplicated_agreements = (
        Agreement.objects.values("student_id", "employer_id").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    duplicated_numbers = Agreement.objects.exclude(number="").values("number").annotate(n=Count("id")).filter(n__gt=1)
    referenced = {d.file.name for d in AgreementDocument.objects.exclude(file="")}
    stored = {k for k in s3.keys("wangqian") if k.startswith("agreements/")}
    matching = 0
    for document in documents:  # every issued PDF, downloaded through the balancer from the shared store
        status, body = api.call("GET", f"/agreements/{document.agreement_id}/document", tokens["employer"])
        if status == 200 and hashlib.sha256(body).hexdigest() == document.sha256:
            matching += 1
    retaken = sum(1 for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) if len(ids) > 1)
    workers_used = collections.Counter(
        ids[-1].split("-")[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) if ids
    )
    return {
        "requests sent": api.sent,
        "requests failed": api.failed,
        "agreements completed": Agreement.objects.filter(pk__in=agreement_ids, status="effective").count(),
        "documents issued": len(documents),
        "downloads matching their SHA-256": matching,
        "duplicates": duplicated_documents + duplicated_agreements + duplicated_numbers.count(),
        "orphaned files": len(stored - referenced),
        "jobs taken again after a lease": retaken,
        "jobs run per worker host": dict(workers_used),
    }


if __name__ == "__main__":
    sys.exit(main())
