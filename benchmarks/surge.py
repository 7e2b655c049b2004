"""The signing season's worst minute (issue 22 item 2), a part of `bench_scale.py` (`--surge`, on by default).

At 1M agreements: `graduates` (1,000) graduates each accept their 邀约 with their 本人确认 — start it by SMS, read the
code from the SMS file backend (as scripts/cluster.py does), prove it, accept — arriving evenly over `seconds` (60),
while `employers` (200) employer accounts page and filter their lists and `reviewers` (20) approve agreements waiting
on review (each agreement approved once). Before it, the same employer load alone for `seconds / 3`, so the lists
during the surge are compared with the lists without it.

What is modelled (`paced`, the default): people. Each employer account is one person who reads a page before asking
for the next — a think time drawn uniformly from `think` (2–8 s) between its answer and its next list (the next of
its tabs, 毕业年度, name and deep pages): 200 accounts offer ~40 lists a second, however fast the server is. Each
reviewer likewise approves one agreement, then reads the next for a think time from `think`. This is the worst
minute as it happens (locust's `between()` users; wrk cannot pace and wrk2 is not in Debian): the lists' throughput
is the load offered, so its ratio during/without stays ~1 while the server keeps up, and the lists' p99 during the
surge against without it is what says whether the graduates hurt the employers.

`paced=False` (bench_scale `--surge-flat-out`) is the stress figure instead: the employers are wrk's 200 connections
and the reviewers its 20, each asking again the moment it is answered, which holds both workers busy with lists
whatever the graduates do; the graduates then share the workers with a saturating load.

Either way every accept is the real API with a real 本人确认 (SMS code read from the file the server writes), and
the graduates arrive on the same schedule. Printed: accepts completed, errors (any answer not 2xx, any failed step;
must be 0), double-signings (an agreement accepted twice, or a graduate with two active agreements; must be 0),
p50/p99 per kind, and the list throughput ratio during/without (with p99 during/without).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import resource
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Graduate:
    agreement_id: int
    token: str
    phone: str


@dataclass
class SurgeState:
    graduates: list[Graduate]
    employer_tokens: list[str]
    reviews: list[tuple[int, str]]  # (agreement id, the token of a reviewer who may approve it)
    student_ids: list[int]
    prepared_seconds: float


@dataclass
class Timings:
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.seconds.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.samples) < 5:
                    self.samples.append(f"{kind}: {detail[:200]}")


def prepare_surge(
    graduates: int, employers: int, reviewers: int, invite: Any, *, review_pool: int = 4000
) -> SurgeState:
    """`graduates` fresh invitations (through `invite`, bench_scale's prepare), `employers` employer tokens,
    and a pool of agreements waiting on review with a token of a reviewer who may approve each."""
    from core.models import Agreement, Role, Status, Student, User
    from core.services.accounts import token_issue

    started = time.monotonic()
    invited = invite(graduates)
    students = {s.user_id: s for s in Student.objects.filter(user_id__in=[user.pk for _, user in invited])}
    people = [Graduate(pk, token_issue(user), students[user.pk].phone) for pk, user in invited]
    accounts = list(
        User.objects.filter(role=Role.EMPLOYER, is_active=True, employer__verification_status="verified")
        .order_by("pk")
        .values_list("pk", flat=True)[:employers]
    )
    employer_tokens = [token_issue(user) for user in User.objects.filter(pk__in=accounts)]
    reviews: list[tuple[int, str]] = []
    admins = list(User.objects.filter(role__in=[Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN], is_active=True))
    # Each reviewer connection has a token of its own (several connections may share an account); the harness
    # stands in for the sign-in, its second factor included.
    tokens = {
        admin.pk: [token_issue(admin, second_factor=True) for _ in range(max(1, reviewers // max(len(admins), 1)))]
        for admin in admins
    }
    share = review_pool // max(len(admins), 1)
    for admin in admins:
        waiting = Agreement.objects.filter(school_id=admin.school_id, paper=False)
        if admin.role == Role.COLLEGE_ADMIN:
            waiting = waiting.filter(status=Status.COLLEGE_REVIEW, student__college_id=admin.college_id)
        else:
            waiting = waiting.filter(status=Status.SCHOOL_REVIEW)
        own = tokens[admin.pk]
        ids = list(waiting.order_by("pk").values_list("pk", flat=True)[:share])
        reviews += [(pk, own[n % len(own)]) for n, pk in enumerate(ids)]
    reviews.sort()  # interleave the accounts
    return SurgeState(
        graduates=people,
        employer_tokens=employer_tokens,
        reviews=reviews,
        student_ids=[s.pk for s in students.values()],
        prepared_seconds=time.monotonic() - started,
    )


def list_paths(year: int) -> list[str]:
    """An employer's lists: tabs, 毕业年度, name, a longer page."""
    return [
        "/api/v1/agreements",
        "/api/v1/agreements?tab=accepted",
        f"/api/v1/agreements?graduation_year={year}",
        "/api/v1/agreements?name=" + urllib.parse.quote("王伟"),
        "/api/v1/agreements?page_size=50",
        "/api/v1/agreements?tab=pending",
    ]


def _lua_list(tmp: Path, tokens: list[str], year: int) -> Path:
    """Each request: the next employer account and the next of its lists (tabs, 毕业年度, name, deep pages)."""
    paths = list_paths(year)
    path = tmp / "surge-lists.lua"
    path.write_text(
        "local tokens = {" + ",".join(json.dumps(t) for t in tokens) + "}\n"
        "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        """
local n = 0
function init(args)
  n = math.random(1, #tokens)
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]})
end
""",
        encoding="utf-8",
    )
    return path


def pool_script(path: Path, items: list[str], rest: str) -> Path:
    """A wrk Lua script handing out a pool: `items` are Lua table literals, wrk's two threads take every other one,
    so each is used once; `rest` is the end of `request()`, given `item` (nil once the pool is spent)."""
    joined = ",\n".join(items)
    prelude = f"""
local items = {{
{joined}
}}
local next_thread = 0
function setup(thread)
  thread:set("offset", next_thread)
  next_thread = next_thread + 1
end
function init(args)
  index = offset + 1
end
function request()
  local item = items[index]
  index = index + 2
"""
    path.write_text(prelude + rest, encoding="utf-8")
    return path


def _lua_approve(tmp: Path, reviews: list[tuple[int, str]]) -> Path:
    """Each wrk thread approves every other agreement of the pool, each once; when the pool is spent, the
    reviewers read their list instead (so an empty pool is not counted as errors, but shows as fewer approvals)."""
    rest = """  if item == nil then
    item = items[1]
    return wrk.format("GET", "/api/v1/agreements?tab=pending", {["Authorization"] = "Bearer " .. item[2]})
  end
  return wrk.format("POST", "/api/v1/agreements/" .. item[1] .. "/approve",
    {["Authorization"] = "Bearer " .. item[2], ["Content-Type"] = "application/json"}, "")
end
"""
    return pool_script(tmp / "surge-approve.lua", [f'{{{pk}, "{token}"}}' for pk, token in reviews], rest)


class SmsCodes:
    """Follows the SMS file backend's sms.log: the latest six-digit code per phone, and how many came."""

    def __init__(self, log: Path):
        self.log = log
        self.codes: dict[str, list[str]] = {}
        self.offset = 0
        self.lock = threading.Lock()

    def read(self) -> None:
        with self.lock:
            if not self.log.exists():
                return
            with self.log.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
            end = chunk.rfind(b"\n") + 1
            self.offset += end
            for line in chunk[:end].decode("utf-8").splitlines():
                if line.strip():
                    message = json.loads(line)
                    if m := re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]):
                        self.codes.setdefault(message["phone"], []).append(m.group(0))

    def after(self, phone: str, seen: int, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read()
            found = self.codes.get(phone, [])
            if len(found) > seen:
                return found[-1]
            time.sleep(0.05)
        return ""

    def count(self, phone: str) -> int:
        self.read()
        return len(self.codes.get(phone, []))


def _call(base: str, method: str, path: str, token: str, body: dict[str, Any] | None) -> tuple[int, Any, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            payload = json.loads(answer.read() or b"null")
            return answer.status, payload, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), time.perf_counter() - started
    except OSError as exc:
        return 0, str(exc), time.perf_counter() - started


def _graduate(base: str, who: Graduate, sms: SmsCodes, timings: Timings) -> bool:
    """本人确认 by SMS, then the acceptance; each step's time and failure recorded under its kind."""
    seen = sms.count(who.phone)
    body = {"action": "accept", "object_id": who.agreement_id, "method": "sms"}
    status, started, seconds = _call(base, "POST", "/api/v1/auth/confirmations", who.token, body)
    timings.add("本人确认: send code", seconds, status == 201, f"{status} {started}")
    if status != 201:
        return False
    code = sms.after(who.phone, seen)
    if not code:
        timings.add("本人确认: send code", 0.0, False, "no SMS arrived")
        return False
    status, proof, seconds = _call(
        base, "POST", f"/api/v1/auth/confirmations/{started['id']}", who.token, {"code": code}
    )
    timings.add("本人确认: prove code", seconds, status == 200, f"{status} {proof}")
    if status != 200:
        return False
    body = {"confirmation": proof["confirmation"]}
    status, answer, seconds = _call(base, "POST", f"/api/v1/agreements/{who.agreement_id}/accept", who.token, body)
    timings.add("accept", seconds, status == 200, f"{status} {answer}")
    return status == 200


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class SurgeResult:
    line: str
    rows: list[str]
    errors: int
    double_signings: int


@dataclass
class Load:
    """What a load did: the same figures as bench_scale's wrk() Result."""

    requests: int = 0
    errors: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p99: float = 0.0


def _load(timings: Timings, kind: str, seconds: float) -> Load:
    values = timings.seconds.get(kind, [])
    return Load(
        requests=len(values),
        errors=timings.errors.get(kind, 0),
        rps=len(values) / seconds if seconds else 0.0,
        p50=_percentile(values, 0.5),
        p99=_percentile(values, 0.99),
    )


def _people(count: int, act: Any, *, until: float, think: tuple[float, float]) -> list[threading.Thread]:
    """`count` people, each a thread: arrive at a random moment of the first think time, then `act(n, rnd)` and
    think, until `until` (time.monotonic()). Started; the caller joins them."""

    def person(n: int) -> None:
        rnd = random.Random(n)
        time.sleep(rnd.uniform(0, think[1]))
        while time.monotonic() < until:
            act(n, rnd)
            time.sleep(rnd.uniform(*think))

    threads = [threading.Thread(target=person, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _employers(
    base: str, tokens: list[str], year: int, timings: Timings, kind: str, *, until: float, think: tuple[float, float]
) -> list[threading.Thread]:
    """Each employer account reads the next of its lists, then thinks."""
    paths = list_paths(year)
    steps = itertools.count()

    def act(n: int, rnd: random.Random) -> None:
        path = paths[(n + next(steps)) % len(paths)]
        status, answer, took = _call(base, "GET", path, tokens[n], None)
        timings.add(kind, took, status == 200, f"{status} {path} {answer}")

    return _people(len(tokens), act, until=until, think=think)


def _reviewers(
    base: str,
    reviews: list[tuple[int, str]],
    count: int,
    timings: Timings,
    kind: str,
    *,
    until: float,
    think: tuple[float, float],
) -> list[threading.Thread]:
    """Each reviewer approves the next agreement of the pool (each once), then thinks; once the pool is spent they
    read their list instead (so an empty pool shows as fewer approvals, not as errors)."""
    pool = iter(reviews)
    lock = threading.Lock()

    def act(n: int, rnd: random.Random) -> None:
        with lock:
            item = next(pool, None)
        if item is None:
            token = reviews[n % len(reviews)][1]
            status, answer, took = _call(base, "GET", "/api/v1/agreements?tab=pending", token, None)
        else:
            status, answer, took = _call(base, "POST", f"/api/v1/agreements/{item[0]}/approve", item[1], None)
        timings.add(kind, took, status == 200, f"{status} {answer}")

    return _people(count if reviews else 0, act, until=until, think=think)


def run_surge(
    base: str,
    state: SurgeState,
    *,
    tmp: Path,
    sms_log: Path,
    seconds: float,
    year: int,
    wrk: Any,
    drain: Any,
    paced: bool = True,
    think: tuple[float, float] = (2.0, 8.0),
    reviewers: int = 20,
    workers_cpu: Any = None,
) -> SurgeResult:
    """The surge against the app at `base` (its SMS backend writing `sms_log`); `wrk` is bench_scale's wrk().
    `paced`: employers and reviewers are people with a think time from `think` (seconds); else wrk flat-out."""
    lists_script = _lua_list(tmp, state.employer_tokens, year)
    url = base + "/"
    accounts = len(state.employer_tokens)
    load_timings = Timings()
    alone_seconds = max(round(seconds / 3), 5)
    if paced:
        until = time.monotonic() + alone_seconds
        for thread in _employers(base, state.employer_tokens, year, load_timings, "alone", until=until, think=think):
            thread.join()
        alone: Any = _load(load_timings, "alone", alone_seconds)
    else:
        alone = wrk(url, duration=alone_seconds, connections=accounts, headers={}, script=lists_script)
    drain()
    sms = SmsCodes(sms_log)
    sms.read()
    timings = Timings()
    results: dict[str, Any] = {}

    def load(name: str, connections: int, script: Path) -> None:
        results[name] = wrk(url, duration=seconds, connections=connections, headers={}, script=script)

    started = time.monotonic()
    cpu_before, machine_before, others_before = (workers_cpu() if workers_cpu else 0.0), _machine(), _others()
    if paced:
        loads = [
            *_employers(base, state.employer_tokens, year, load_timings, "lists", until=started + seconds, think=think),
            *_reviewers(base, state.reviews, reviewers, load_timings, "approve", until=started + seconds, think=think),
        ]
    else:
        approve_script = _lua_approve(tmp, state.reviews)
        loads = [
            threading.Thread(target=load, args=("lists", accounts, lists_script)),
            threading.Thread(target=load, args=("approve", reviewers, approve_script)),
        ]
        for thread in loads:
            thread.start()
    spacing = seconds / max(len(state.graduates), 1)
    done_at: list[float] = []

    # Bounded in time: a graduate whose turn comes after twice the surge's length (the server's backlog) is not
    # started, and counted as not completed.
    deadline = started + 2 * seconds

    def graduate(n: int, who: Graduate) -> bool:
        delay = started + n * spacing - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > deadline:
            return False
        ok = _graduate(base, who, sms, timings)
        if ok:
            with timings.lock:
                done_at.append(time.monotonic() - started)
        return ok

    with ThreadPoolExecutor(max_workers=96) as pool:
        outcomes = list(pool.map(graduate, range(len(state.graduates)), state.graduates))
    for thread in loads:
        thread.join()
    wall = time.monotonic() - started
    busy = ((workers_cpu() - cpu_before) / wall) if workers_cpu else 0.0
    machine, others = _machine(), _others()
    idle = (machine[1] - machine_before[1]) / max(machine[0] - machine_before[0], 1)
    harness, postgres = ((after - before) / wall for after, before in zip(others, others_before, strict=True))
    if paced:
        # The people stop asking at `seconds`; their last answers may come later, counted over the surge's length.
        results = {name: _load(load_timings, name, seconds) for name in ("lists", "approve")}
        for sample in load_timings.samples:
            if len(timings.samples) < 5:
                timings.samples.append(sample)
    drain()
    accepted = sum(outcomes)
    attempted = len(timings.seconds.get("本人确认: send code", []))
    within = sum(1 for t in done_at if t <= seconds)
    double = double_signings([g.agreement_id for g in state.graduates], state.student_ids)
    lists, approve = results["lists"], results["approve"]
    errors = sum(timings.errors.values()) + lists.errors + approve.errors + alone.errors
    ratio = lists.rps / alone.rps if alone.rps else 0.0
    p99_ratio = lists.p99 / alone.p99 if alone.p99 else 0.0
    how = (
        f"paced: {accounts} employer accounts and {reviewers} reviewers, each thinking {think[0]:g}–{think[1]:g} s "
        "between answer and next request"
        if paced
        else f"flat-out (stress): wrk, {accounts} employer connections and {reviewers} reviewer connections, "
        "each asking again the moment it is answered"
    )
    employers = f"{accounts} accounts, think {think[0]:g}–{think[1]:g} s" if paced else f"wrk, {accounts} connections"
    rows = []
    for kind, values in timings.seconds.items():
        good = [v for v in values if v > 0]
        rows.append(
            f"| surge: {kind} | {len(good)} | {_percentile(good, 0.5) * 1000:,.0f} ms | "
            f"{_percentile(good, 0.99) * 1000:,.0f} ms | {timings.errors.get(kind, 0)} |"
        )
    rows.append(
        f"| surge: employer lists ({employers}) | {lists.requests} | "
        f"{lists.p50 * 1000:,.0f} ms | {lists.p99 * 1000:,.0f} ms | {lists.errors} |"
    )
    reviewing = f"{reviewers} people, think {think[0]:g}–{think[1]:g} s" if paced else f"wrk, {reviewers} connections"
    rows.append(
        f"| surge: reviewers approve ({reviewing}) | {approve.requests} | {approve.p50 * 1000:,.0f} ms | "
        f"{approve.p99 * 1000:,.0f} ms | {approve.errors} |"
    )
    rows.append(
        f"| employer lists without the surge ({employers}, {alone_seconds:g} s) | {alone.requests} | "
        f"{alone.p50 * 1000:,.0f} ms | {alone.p99 * 1000:,.0f} ms | {alone.errors} |"
    )
    last = max(done_at) if done_at else 0.0
    line = (
        f"surge ({how}): {accepted} of {len(state.graduates)} accepts completed ({within} within {seconds:g} s, "
        f"the last at {last:.0f} s; {len(state.graduates) - attempted} not started by {2 * seconds:g} s), "
        f"errors {errors}, double-signings {double}; list throughput during/without "
        f"{lists.rps:,.1f}/{alone.rps:,.1f} req/s = {ratio:.2f}×, list p99 during/without "
        f"{lists.p99 * 1000:,.0f}/{alone.p99 * 1000:,.0f} ms = {p99_ratio:.2f}×"
    )
    line += (
        f"; over those {wall:.0f} s (CPU time / wall time, on {os.cpu_count()} cores) the app's workers used "
        f"{busy:.2f} cores, PostgreSQL {postgres:.2f}, this harness (its threads and wrk) {harness:.2f}; the machine "
        f"was {idle:.0%} idle"
    )
    if timings.samples:
        line += "; first errors: " + " / ".join(timings.samples)
    return SurgeResult(line=line, rows=rows, errors=errors, double_signings=double)


def _machine() -> tuple[int, int]:
    """All CPU time and idle time (incl. I/O wait) since boot, in ticks (/proc/stat's first line)."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return (0, 0)
    return sum(ticks), ticks[3] + ticks[4]


def _others() -> tuple[float, float]:
    """CPU seconds so far of this process with its children (wrk), and of PostgreSQL's processes (the live ones,
    and through the postmaster's children counters those that ended)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    harness = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, _, rest = (entry / "stat").read_text().partition(") ")
            if not comm.endswith("(postgres"):
                continue
            fields = rest.split()
        except OSError:
            continue
        postgres += int(fields[11]) + int(fields[12])  # utime, stime
        if fields[1] == "1":  # the postmaster (its parent is init): its ended children too
            postgres += int(fields[13]) + int(fields[14])
    return harness, postgres / tick


def double_signings(agreement_ids: list[int], student_ids: list[int]) -> int:
    """Agreements accepted more than once, plus graduates holding more than one active agreement."""
    from django.db.models import Count

    from core.models import Agreement, AgreementEvent
    from core.rules import ACTIVE_STATUSES

    twice = (
        AgreementEvent.objects.filter(agreement_id__in=agreement_ids, action="accept")
        .values("agreement_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    two_active = (
        Agreement.objects.filter(student_id__in=student_ids, status__in=ACTIVE_STATUSES)
        .values("student_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return twice + two_active
