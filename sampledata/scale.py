"""A province-scale data set (issue 11), built set-based: rows are produced here exactly as the workflow functions
would leave them, and written in bulk — COPY on PostgreSQL, batched INSERTs on SQLite.

The shape, for `agreements` = N, `students` = S, `employers` = E (defaults 1,000,000 / 400,000 / 20,000):
- two schools (the larger holds 60 % of the students), each with its colleges and majors, four 毕业年度
  (the current one and the three before it);
- student s gets agreements s, s + S, s + 2S, …: only the first can be in an active status (the
  one-active-agreement rule), and the attempts of one student go to different employers (one open
  invitation per employer and student);
- every tenth agreement belongs to employer 1 (`scale_hr`: 100,000 at the defaults);
- statuses as the workflow leaves them: open invitations only in the current 毕业年度 and not yet past their
  validity, 协议书编号 and verification codes on every agreement that was once approved, 解约 requests with
  their Termination row, every step a 流程追踪 event (≈ 1.9 per agreement) and its 消息, some terms modified
  (a second version);
- ids follow the invitation date, as they would in a real database.

Logins (password `demo-pass-2026`): `scale_hr`, `scale_school`, `scale_college` (see SCALE_ACCOUNTS); every
student logs in with the 学号 and the same password.
"""

from __future__ import annotations

import datetime
import os
import random
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from core.calendar import current_graduation_year
from core.catalogue import AGREEMENT_EVENTS
from core.identifiers import id_check_char, make_credit_code
from core.models import Notification, School, User
from core.models.status import Status
from core.rules import TERMINATING_STATUSES
from core.services.agreements import _CODE_ALPHABET
from core.services.events import SYSTEM_NAME
from core.services.ledger import ledger_adopt
from core.services.stats_counters import counters_rebuild
from core.usernames import student_username

SCALE_PASSWORD = "demo-pass-2026"
SCALE_ACCOUNTS = [
    ("scale_hr", "用人单位 HR（约10%的协议书：默认10万份）"),
    ("scale_school", "学校管理员（较大的学校：辽宁大学）"),
    ("scale_college", "学院管理员（辽宁大学 信息学院）"),
    ("scale_school2", "学校管理员（大连理工大学）"),
]

SCHOOLS = [
    (
        "辽宁大学",
        "10140",
        "lnu",
        {
            "信息学院": ["计算机科学与技术", "软件工程", "电子信息工程", "网络工程"],
            "文学院": ["汉语言文学", "新闻学", "秘书学"],
            "法学院": ["法学", "知识产权"],
            "经济学院": ["经济学", "金融学", "国际经济与贸易", "财政学"],
            "商学院": ["工商管理", "会计学", "市场营销", "人力资源管理"],
            "数学院": ["数学与应用数学", "统计学", "信息与计算科学"],
            "物理学院": ["物理学", "应用物理学"],
            "化学院": ["化学", "应用化学", "材料化学"],
            "生命科学院": ["生物科学", "生物技术"],
            "外国语学院": ["英语", "日语", "俄语", "翻译"],
            "历史学院": ["历史学", "档案学"],
            "哲学院": ["哲学", "社会学"],
        },
    ),
    (
        "大连理工大学",
        "10141",
        "dlut",
        {
            "电子信息与电气工程学部": ["计算机科学与技术", "电气工程及其自动化", "自动化"],
            "机械工程学院": ["机械设计制造及其自动化", "车辆工程"],
            "化工学院": ["化学工程与工艺", "制药工程"],
            "建设工程学部": ["土木工程", "水利水电工程", "港口航道与海岸工程"],
            "经济管理学院": ["工商管理", "金融学", "会计学"],
            "材料科学与工程学院": ["材料科学与工程", "金属材料工程"],
            "数学科学学院": ["数学与应用数学", "信息与计算科学"],
            "人文学院": ["汉语言文学", "新闻学"],
        },
    ),
]
SCALE_COLLEGE = "信息学院"  # scale_college's college, in the larger school

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文波宁"
    "浩宇欣怡涵轩萱诺远晨阳博佳琪诗雨俊嘉豪婷雪梅琳悦帆"
)
CITIES = [
    "沈阳",
    "大连",
    "鞍山",
    "抚顺",
    "本溪",
    "丹东",
    "锦州",
    "营口",
    "阜新",
    "辽阳",
    "盘锦",
    "铁岭",
    "朝阳",
    "葫芦岛",
]
WORDS = ["振兴", "华信", "新松", "东软", "北方", "远航", "恒泰", "金桥", "瑞丰", "海川", "博远", "启明", "中兴", "嘉禾"]
TRADES = ["科技", "软件", "机械", "化工", "电子", "建设", "物流", "医药", "教育", "咨询", "金融服务", "食品", "能源"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
POSITIONS = [
    ("13", "软件开发工程师"),
    ("13", "机械设计工程师"),
    ("13", "测试工程师"),
    ("21", "财务专员"),
    ("21", "客户经理"),
    ("23", "法务专员"),
    ("29", "销售代表"),
    ("11", "研发助理"),
]
DEGREES = ["bachelor"] * 7 + ["master"] * 2 + ["junior", "doctor"]
REASONS = ["考取公务员，需解除协议", "继续深造（考取研究生）", "单位岗位调整", "个人原因，双方协商解除"]
DECLINE_REMARKS = ["已选择其他单位", "已选择继续深造", ""]
RETURN_REMARK = "签约信息不完整，请核对档案转寄地址"

# Status of the first attempt (the only one that may be active) and of the others, as weights out of 100.
FIRST_ATTEMPT = [
    (Status.EFFECTIVE, 22),
    (Status.COLLEGE_REVIEW, 6),
    (Status.SCHOOL_REVIEW, 4),
    (Status.RETURNED, 2),
    (Status.TERMINATION_REQUESTED, 1),
    (Status.TERMINATION_REVIEW, 1),
    (Status.TERMINATED, 2),
    (Status.INVITED, 20),
    (Status.DECLINED, 20),
    (Status.WITHDRAWN, 8),
    (Status.EXPIRED, 14),
]
LATER_ATTEMPT = [
    (Status.INVITED, 37),
    (Status.DECLINED, 30),
    (Status.WITHDRAWN, 13),
    (Status.EXPIRED, 18),
    (Status.TERMINATED, 2),
]
STATUS_CODES = list(Status)
MODIFIED_PERCENT = 5  # invitations whose terms were modified once (a second version)
DAY = 86400.0


def _table(weights: list[tuple[Status, int]]) -> list[int]:
    out: list[int] = []
    for status, weight in weights:
        out += [STATUS_CODES.index(status)] * weight
    assert len(out) == 100
    return out


_FIRST = _table(FIRST_ATTEMPT)
_LATER = _table(LATER_ATTEMPT)


def _mix(x: int) -> int:
    """A cheap 64-bit hash (splitmix64's finaliser): per-row pseudo-random choices that any pass can repeat."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


@dataclass(frozen=True)
class ScaleSize:
    agreements: int = 1_000_000
    students: int = 400_000
    employers: int = 20_000

    def check(self) -> None:
        if self.students < 40 or self.employers < 20 or self.agreements < self.students // 2:
            raise ValueError("at least 40 students, 20 employers and half as many agreements as students")
        if self.agreements > 9 * self.students:
            raise ValueError("at most 9 agreements per student")


# --- writing -----------------------------------------------------------------------------------------------


class _Writer:
    """Collects rows per table; `finish()` writes them (COPY from spooled files on PostgreSQL, executemany on
    SQLite)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.columns: dict[str, Sequence[str]] = {}
        self.counts: dict[str, int] = {}
        self._files: dict[str, Any] = {}
        self._buffers: dict[str, list[tuple[Any, ...]]] = {}

    def table(self, name: str, columns: Sequence[str]) -> Callable[[tuple[Any, ...]], None]:
        if len(set(columns)) != len(columns):
            raise ValueError(f"sampledata/scale.py names a column of {name} twice")
        extra = _column_defaults(name, columns)
        self.columns[name] = [*columns, *extra]
        self.counts[name] = 0
        if self.vendor == "postgresql":
            spool = tempfile.TemporaryFile("w+", encoding="utf-8", dir=os.environ.get("SCALE_TMPDIR"))  # noqa: SIM115
            self._files[name] = spool
            write = spool.write
            fmt = _pg_text
            tail = "".join("\t" + fmt(v) for v in extra.values()) + "\n"

            def add(row: tuple[Any, ...]) -> None:
                write("\t".join(map(fmt, row)) + tail)
                self.counts[name] += 1

            return add
        buffer: list[tuple[Any, ...]] = []
        self._buffers[name] = buffer
        adapt = connection.ops.adapt_datetimefield_value
        defaults = tuple(extra.values())

        def add_sqlite(row: tuple[Any, ...]) -> None:
            buffer.append(tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row) + defaults)
            self.counts[name] += 1
            if len(buffer) >= 5000:
                self._flush(name)

        return add_sqlite

    def _flush(self, name: str) -> None:
        buffer = self._buffers[name]
        if buffer:
            columns = self.columns[name]
            sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            with connection.cursor() as cursor:
                cursor.executemany(sql, buffer)
            buffer.clear()

    def finish(self, order: Sequence[str], log: Callable[[str], None]) -> None:
        for name in order:
            started = time.monotonic()
            if self.vendor == "postgresql":
                spool = self._files.pop(name)
                spool.seek(0)
                raw = connection.connection
                sql = f"COPY {name} ({', '.join(self.columns[name])}) FROM STDIN"
                with raw.cursor() as cursor, cursor.copy(sql) as copy:
                    while block := spool.read(1 << 20):
                        copy.write(block)
                spool.close()
            else:
                self._flush(name)
            log(f"  {name}: {self.counts[name]:,} rows in {time.monotonic() - started:.1f} s")


def _column_defaults(table: str, columns: Sequence[str]) -> dict[str, Any]:
    """The model's other columns with their defaults (a column added later, e.g. a flag, needs no change here);
    a new column without a default must be added to the rows below, so it stops the load with its name."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.column in columns:
            continue
        if field.has_default():
            extra[field.column] = field.get_db_prep_save(field.get_default(), connection)
        elif field.null:
            extra[field.column] = None
        else:
            raise ValueError(f"sampledata/scale.py does not fill {table}.{field.column}: add it to the rows it writes")
    return extra


_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_PG_ESCAPES)
    return str(value)


# --- the data ----------------------------------------------------------------------------------------------


def load_scale(size: ScaleSize, *, log: Callable[[str], None] = print, seed: int = 2026) -> dict[str, int]:
    """Fill an empty database; returns the row count per table."""
    size.check()
    if School.objects.exists() or User.objects.exists():
        raise ValueError("the database is not empty")
    started = time.monotonic()
    builder = _Builder(size, seed)
    with transaction.atomic():
        if connection.vendor == "postgresql" and size.agreements > 100_000:
            # The rows reference each other correctly by construction (the small sizes, built with the foreign
            # keys' triggers on, show it); the unique indexes stay on and check every row.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        writer = _Writer()
        builder.write(writer, log)
        log(f"rows generated in {time.monotonic() - started:.1f} s; writing")
        writer.finish(builder.table_order, log)
        builder.reset_sequences()
        # What the workflow functions keep beside the rows (the statistics' counters), recounted once.
        rebuilt = time.monotonic()
        counters_rebuild()
        log(f"  statistics counters rebuilt in {time.monotonic() - rebuilt:.1f} s")
        # The events written set-based are chained as an upgraded installation's are (manage.py ledger_adopt).
        chained = time.monotonic()
        adopted = ledger_adopt()
        log(f"  {adopted} events chained into the ledger in {time.monotonic() - chained:.1f} s")
    if connection.in_atomic_block:
        pass  # inside a caller's transaction (tests): no VACUUM
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in builder.table_order:
                cursor.execute(f"VACUUM (ANALYZE) {name}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"done in {time.monotonic() - started:.1f} s")
    return dict(writer.counts)


class _Builder:
    table_order = [
        "core_school",
        "core_college",
        "core_major",
        "core_employer",
        "core_user",
        "core_student",
        "core_agreement",
        "core_agreementterms",
        "core_agreementevent",
        "core_termination",
        "core_notification",
        "core_numbersequence",
    ]

    def __init__(self, size: ScaleSize, seed: int):
        self.size = size
        self.seed = seed
        self.now = timezone.now().replace(microsecond=0)
        self.year = current_graduation_year()
        self.years = [self.year - 3, self.year - 2, self.year - 1, self.year]
        self.password = make_password(SCALE_PASSWORD)
        from core.codes import regions

        self.counties = [c["code"] for city in regions.children("210000") for c in regions.children(city["code"])]
        self.verified = max(1, size.employers * 97 // 100)  # the last 3 % wait for (or failed) 资质审核

    # ids: users are admins, then employers' HR accounts, then students' accounts.
    def employer_user_id(self, e: int) -> int:
        return self.first_hr_user + e

    def student_user_id(self, s: int) -> int:
        return self.first_student_user + s

    def student_year(self, s: int) -> int:
        return self.years[s % 4]

    def student_school(self, s: int) -> int:
        return 0 if (s // 4) % 5 < 3 else 1

    def agreement_employer(self, s: int, k: int) -> int:
        """Employer index (0 = scale_hr's) of student s's attempt k: different for each attempt."""
        if (s + k) % 10 == 0:
            return 0
        pool = self.verified - 1
        if pool < 1:
            return 0
        e = 1 + (s * 7919 + k * 997) % pool
        # Never the employer of another attempt of this student: the first attempt's choices differ by k*997.
        return e

    def write(self, writer: _Writer, log: Callable[[str], None]) -> None:
        self._org(writer)
        self._users_and_students(writer)
        log(f"  organisations, {self.size.students:,} students and their accounts generated")
        self._agreements(writer, log)

    # --- organisations -------------------------------------------------------------------------------------

    def _org(self, w: _Writer) -> None:
        now = self.now
        school = w.table(
            "core_school",
            (
                "id",
                "name",
                "code",
                "college_review_enabled",
                "school_review_enabled",
                "termination_review_enabled",
                "max_terminations",
                "termination_window_start",
                "termination_window_end",
                "invitation_validity_days",
                "number_format",
                "show_dispatch_fields",
                "activation_code_validity_days",
            ),
        )
        college = w.table("core_college", ("id", "school_id", "name"))
        major = w.table("core_major", ("id", "college_id", "name"))
        self.colleges: list[list[int]] = []  # per school: college ids
        self.majors: dict[int, list[int]] = {}  # college id → major ids
        self.school_codes: list[str] = []
        self.domains: list[str] = []
        self.college_names: dict[int, str] = {}
        college_id = major_id = 0
        for sid, (name, code, domain, colleges) in enumerate(SCHOOLS, start=1):
            school((sid, name, code, True, True, True, None, None, None, 7, "{year}{school_code}{seq:05d}", True, 14))
            self.school_codes.append(code)
            self.domains.append(domain)
            ids = []
            for college_name, majors in colleges.items():
                college_id += 1
                college((college_id, sid, college_name))
                self.college_names[college_id] = college_name
                ids.append(college_id)
                self.majors[college_id] = []
                for major_name in majors:
                    major_id += 1
                    major((major_id, college_id, major_name))
                    self.majors[college_id].append(major_id)
            self.colleges.append(ids)
        self.scale_college_id = next(c for c in self.colleges[0] if self.college_names[c] == SCALE_COLLEGE)

        employer = w.table(
            "core_employer",
            (
                "id",
                "name",
                "credit_code",
                "contact_person",
                "phone",
                "email",
                "address",
                "verification_status",
                "verification_remark",
                "verified_by_id",
                "verified_at",
                "created_at",
                "nature",
                "location",
                "archive_receiving",
                "archive_unit_name",
                "archive_address",
                "archive_postcode",
                "archive_contact",
                "archive_phone",
                "dispatch_title",
                "dispatch_location",
                "affiliation",
                "hukou_receiving",
                "hukou_address",
                "profile_completed_at",
                "claimed_name",
                "licence",
                "licence_name",
                "licence_type",
            ),
        )
        self.employers: list[tuple[str, str, str, str, str, str, str, str]] = []
        counties = self.counties
        natures = ["31", "31", "31", "32", "39", "21", "23", "24"]
        joined = now - datetime.timedelta(days=4 * 365)
        for e in range(self.size.employers):
            h = _mix(self.seed * 1_000_003 + e)
            city = CITIES[h % len(CITIES)]
            if e == 0:
                name = "辽宁振兴控股集团有限公司"
            else:
                name = (
                    f"{city}{WORDS[(h >> 8) % len(WORDS)]}{TRADES[(h >> 16) % len(TRADES)]}"
                    f"{SUFFIXES[(h >> 24) % len(SUFFIXES)]}"
                )
                if e >= len(CITIES) * len(WORDS) * len(TRADES):
                    name = WORDS[(h >> 36) % len(WORDS)] + name
            contact = SURNAMES[(h >> 40) % len(SURNAMES)] + ("经理" if h & 1 else "女士")
            phone = f"024-{23000000 + e:08d}"
            county = counties[(h >> 20) % len(counties)]
            address = f"辽宁省{city}市{county[-2:]}号路{(h >> 12) % 300 + 1}号"
            profile: tuple[Any, ...]
            if e < self.verified:
                status, verified_at = "verified", joined + datetime.timedelta(days=1)
                profile = (
                    natures[(h >> 44) % len(natures)],
                    county,
                    "1",
                    f"{name}人力资源部",
                    address,
                    f"11{(h >> 28) % 10000:04d}",
                    contact[:1] + "老师",
                    phone,
                    name,
                    county,
                    "210000",
                    "1",
                    address,
                    joined + datetime.timedelta(days=2),
                )
            else:
                status, verified_at = ("rejected" if e % 3 == 0 else "pending"), None
                profile = ("", "", "", "", "", "", "", "", "", "", "", "", "", None)
            remark = "营业执照信息与名称不符" if status == "rejected" else ""
            employer(
                (
                    e + 1,
                    name,
                    make_credit_code(100_000 + e, region=county),
                    contact,
                    phone,
                    f"hr{e + 1}@corp{e + 1}.example.com",
                    address,
                    status,
                    remark,
                    None,
                    verified_at,
                    joined,
                    *profile,
                    "",  # claimed_name: no claim of a paper agreement's row here
                    "",  # licence, its name and type: the data set's employers predate the 营业执照 scan (shown 未上传)
                    "",
                    "",
                )
            )
            self.employers.append((name, contact, *profile[2:9]))  # type: ignore[arg-type]

    # --- people --------------------------------------------------------------------------------------------

    def _users_and_students(self, w: _Writer) -> None:
        now = self.now
        user = w.table(
            "core_user",
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "role",
                "display_name",
                "school_id",
                "college_id",
                "employer_id",
                "must_change_password",
                "phone",
            ),
        )
        pw = self.password
        joined = now - datetime.timedelta(days=4 * 365)

        def add_user(
            uid: int,
            username: str,
            role: str,
            display: str,
            school_id: int | None = None,
            college_id: int | None = None,
            employer_id: int | None = None,
        ) -> None:
            """A row of core_user as an active account leaves it; only these columns differ between accounts."""
            row = (uid, pw, None, False, username, "", "", "", False, True, joined, role, display)
            user((*row, school_id, college_id, employer_id, False, ""))  # phone: an HR's is on its employer here

        self.admin_names: dict[int, str] = {}
        admins: list[tuple[str, str, int, int | None, str]] = [
            ("scale_school", "school_admin", 1, None, "就业指导中心 刘老师"),
            ("scale_college", "college_admin", 1, self.scale_college_id, "信息学院 陈老师"),
            ("scale_school2", "school_admin", 2, None, "就业指导中心 孙老师"),
        ]
        for cid in [*self.colleges[0], *self.colleges[1]]:
            if cid != self.scale_college_id:
                admins.append(
                    (
                        f"scale_college{cid}",
                        "college_admin",
                        1 if cid in self.colleges[0] else 2,
                        cid,
                        f"学院 老师{cid}",
                    )
                )
        uid = 0
        self.school_admin: dict[int, int] = {}
        self.college_admin: dict[int, int] = {}
        for username, role, school_id, college_id, display in admins:
            uid += 1
            add_user(uid, username, role, display, school_id, college_id)
            self.admin_names[uid] = display
            if role == "school_admin":
                self.school_admin.setdefault(school_id, uid)
            else:
                self.college_admin[college_id or 0] = uid
        self.first_hr_user = uid + 1
        for e in range(self.size.employers):
            uid += 1
            username = "scale_hr" if e == 0 else f"scale_hr{e + 1}"
            contact = self.employers[e][1]
            add_user(uid, username, "employer", contact, employer_id=e + 1)
        self.first_student_user = uid + 1

        student = w.table(
            "core_student",
            (
                "id",
                "school_id",
                "college_id",
                "major_id",
                "user_id",
                "student_no",
                "name",
                "gender",
                "id_number",
                "phone",
                "email",
                "graduation_year",
                "degree",
            ),
        )
        # Per student, what the agreements need: college, year, display name.
        n = self.size.students
        self.s_college = array("i", bytes(4 * n))
        self.s_names: list[str] = []
        counties, prefixes = self.counties, ["138", "139", "158", "159", "186", "187", "188", "135", "136", "150"]
        for s in range(n):
            h = _mix(self.seed * 7_000_003 + s)
            school = self.student_school(s)
            year = self.student_year(s)
            colleges = self.colleges[school]
            college_id = colleges[h % len(colleges)]
            majors = self.majors[college_id]
            major_id = majors[(h >> 8) % len(majors)]
            given = GIVEN[(h >> 16) % len(GIVEN)]
            if (h >> 24) % 10 >= 3:  # seven in ten have a three-character name
                given += GIVEN[(h >> 32) % len(GIVEN)]
            name = SURNAMES[(h >> 40) % len(SURNAMES)] + given
            female = bool((h >> 48) & 1)
            degree = DEGREES[(h >> 50) % len(DEGREES)]
            # 身份证号: unique per student by construction (order code, birthday, county).
            order = 1 + s % 499
            day = (s // 499) % 365
            rest = s // (499 * 365)
            county = counties[(rest * 37 + day * 13 + order) % len(counties)]
            birth = datetime.date(year - 22, 1, 1) + datetime.timedelta(days=day)
            first17 = f"{county}{birth:%Y%m%d}{2 * order + (0 if female else 1):03d}"
            student_no = f"{year}{school + 1}{s:07d}"
            student(
                (
                    s + 1,
                    school + 1,
                    college_id,
                    major_id,
                    self.student_user_id(s),
                    student_no,
                    name,
                    "女" if female else "男",
                    first17 + id_check_char(first17),
                    f"{prefixes[(h >> 52) % len(prefixes)]}{s:08d}",
                    f"{student_no}@stu.{self.domains[school]}.edu.cn",
                    year,
                    degree,
                )
            )
            add_user(self.student_user_id(s), student_username(self.school_codes[school], student_no), "student", name)
            self.s_college[s] = college_id
            self.s_names.append(name)

    # --- agreements ----------------------------------------------------------------------------------------

    def _season(self, year: int) -> tuple[float, float]:
        start = datetime.datetime(year - 1, 9, 1, tzinfo=datetime.UTC).timestamp()
        end = min(datetime.datetime(year, 6, 30, tzinfo=datetime.UTC).timestamp(), self.now.timestamp() - DAY)
        return start, end

    def _plan(self, i: int) -> tuple[int, float]:
        """Status index and invitation time of agreement i (before ids are given in time order)."""
        s, k = i % self.size.students, i // self.size.students
        h = _mix(self.seed * 11_000_003 + i)
        status = (_FIRST if k == 0 else _LATER)[h % 100]
        year = self.student_year(s)
        now = self.now.timestamp()
        if STATUS_CODES[status] == Status.INVITED:
            if year != self.year:
                status = STATUS_CODES.index(Status.EXPIRED)  # the nightly job expired it long ago
            else:
                # Open and within its 7 days of validity.
                return status, now - DAY * (0.2 + 5.6 * ((h >> 8) % 1000) / 1000)
        start, end = self._season(year)
        span = max(end - start - 40 * DAY, DAY)
        at = start + span * ((h >> 8) % 100_000) / 100_000
        if k > 0 and STATUS_CODES[status] != Status.TERMINATED:
            at = start + (at - start) * 0.6  # the later attempts were answered before the first one was signed
        return status, at

    def _agreements(self, w: _Writer, log: Callable[[str], None]) -> None:
        size = self.size
        n = size.agreements
        statuses = array("b", bytes(n))
        times = array("d", bytes(8 * n))
        for i in range(n):
            statuses[i], times[i] = self._plan(i)
        order = sorted(range(n), key=times.__getitem__)
        log(f"  {n:,} agreements planned")

        agreement = w.table(
            "core_agreement",
            (
                "id",
                "school_id",
                "college_id",
                "graduation_year",
                "student_name",
                "student_id",
                "employer_id",
                "status",
                "number",
                "verification_code",
                "current_terms_id",
                "accepted_terms_id",
                "invited_by_id",
                "invited_at",
                "expires_at",
                "signed_at",
                "effective_at",
                "terminated_at",
                "updated_at",
            ),
        )
        terms_row = w.table(
            "core_agreementterms",
            (
                "id",
                "agreement_id",
                "version",
                "created_by_id",
                "created_at",
                "unit_name",
                "position_category",
                "position",
                "archive_receiving",
                "archive_unit_name",
                "archive_address",
                "archive_postcode",
                "archive_contact",
                "archive_phone",
                "dispatch_title",
                "dispatch_location",
                "affiliation",
                "hukou_receiving",
                "hukou_address",
                "work_location",
                "monthly_salary",
                "probation_months",
                "liquidated_damages",
                "other_terms",
                "unit_nature",
                "unit_location",
                "paper_number",
            ),
        )
        event_row = w.table(
            "core_agreementevent",
            (
                "id",
                "agreement_id",
                "actor_id",
                "actor_name",
                "actor_role",
                "action",
                "action_label",
                "remark",
                "old_status",
                "new_status",
                "sequence",
                "created_at",
            ),
        )
        termination_row = w.table(
            "core_termination",
            (
                "id",
                "agreement_id",
                "requested_by_id",
                "requester_role",
                "reason",
                "previous_status",
                "state",
                "response_remark",
                "responded_at",
                "review_remark",
                "reviewed_at",
                "created_at",
            ),
        )
        notification_row = w.table("core_notification", ("id", "recipient_id", "event_id", "read_at", "answer"))

        ids = {"terms": 0, "event": 0, "termination": 0, "notification": 0}
        place = {"aid": 0, "n": 0}
        sequences: dict[tuple[int, int], int] = {}
        codes: set[str] = set()
        rng = random.Random(self.seed)
        now = self.now
        recent = now - datetime.timedelta(days=14)
        td = datetime.timedelta

        def event(
            aid: int,
            s: int,
            e: int,
            actor: int | None,
            role: str,
            name: str,
            action: str,
            old: str,
            new: str,
            at: datetime.datetime,
            remark: str = "",
        ) -> None:
            ids["event"] += 1
            eid = ids["event"]
            # An agreement's events are written one after another: its history's count restarts with it.
            place["n"] = place["n"] + 1 if place["aid"] == aid else 1
            place["aid"] = aid
            label = AGREEMENT_EVENTS[action].label
            event_row((eid, aid, actor, name, role, action, label, remark, old, new, place["n"], at))
            # 消息 as core.services.events._notify leaves them: the student hears of what others did, the
            # employer's accounts of what the student or the school did.
            read = at + td(hours=20) if at < recent else None
            answer = action in Notification.ANSWER_ACTIONS
            if role != "student":
                ids["notification"] += 1
                notification_row((ids["notification"], self.student_user_id(s), eid, read, answer))
            if role != "employer":
                ids["notification"] += 1
                notification_row((ids["notification"], self.employer_user_id(e), eid, read, answer))

        for position, i in enumerate(order):
            aid = position + 1
            s, k = i % size.students, i // size.students
            status = STATUS_CODES[statuses[i]]
            invited = datetime.datetime.fromtimestamp(times[i], datetime.UTC).replace(microsecond=0)
            h = _mix(self.seed * 13_000_003 + i)
            e = self.agreement_employer(s, k)
            school = self.student_school(s)
            college_id = self.s_college[s]
            year = self.student_year(s)
            hr = self.employer_user_id(e)
            emp = self.employers[e]
            hr_name = f"{emp[0]}（{emp[1]}）"
            student_user = self.student_user_id(s)
            student_name = self.s_names[s]
            college_admin = self.college_admin[college_id]
            school_admin = self.school_admin[school + 1]

            # Terms: the employer's 签约信息 plus the position; 5 % were modified once.
            category, position_name = POSITIONS[h % len(POSITIONS)]
            salary = 4000 + 500 * ((h >> 8) % 25)
            modified = (h >> 16) % 100 < MODIFIED_PERCENT
            versions = 2 if modified else 1
            terms_ids = []
            for version in range(1, versions + 1):
                ids["terms"] += 1
                terms_ids.append(ids["terms"])
                terms_row(
                    (
                        ids["terms"],
                        aid,
                        version,
                        hr,
                        invited + td(hours=2 * (version - 1)),
                        emp[0],
                        category,
                        position_name,
                        *emp[2:9],
                        self.counties[(h >> 24) % len(self.counties)],
                        "210000",
                        "1",
                        emp[4],
                        self.counties[(h >> 32) % len(self.counties)],
                        salary + 500 * (version - 1),
                        (h >> 40) % 4 * 2 if (h >> 40) % 4 else 3,
                        5000 if (h >> 44) % 3 == 0 else None,
                        "",
                        "",  # unit_nature, unit_location, paper_number: a paper agreement's own
                        "",
                        "",
                    )
                )
            current = terms_ids[-1]

            # The path to the status, one event per step.
            event(aid, s, e, hr, "employer", hr_name, "invite", "", "invited", invited)
            t = invited
            if modified:
                t = invited + td(hours=2)
                event(aid, s, e, hr, "employer", hr_name, "modify", "invited", "invited", t, remark="条款第2版")
            expires = t + td(days=7)
            signed = effective = terminated = None
            number = code = None
            accepted_terms = None
            if status == Status.DECLINED:
                remark = DECLINE_REMARKS[(h >> 48) % 3]
                event(
                    aid,
                    s,
                    e,
                    student_user,
                    "student",
                    student_name,
                    "decline",
                    "invited",
                    "declined",
                    t + td(days=1),
                    remark,
                )
                updated = t + td(days=1)
            elif status == Status.WITHDRAWN:
                event(aid, s, e, hr, "employer", hr_name, "withdraw", "invited", "withdrawn", t + td(days=2))
                updated = t + td(days=2)
            elif status == Status.EXPIRED:
                event(aid, s, e, None, "", SYSTEM_NAME, "expire", "invited", "expired", expires)
                updated = expires
            elif status == Status.INVITED:
                updated = t
            else:
                signed = t + td(days=1, hours=3)
                accepted_terms = current
                event(aid, s, e, student_user, "student", student_name, "accept", "invited", "college_review", signed)
                updated = signed
                if status == Status.RETURNED:
                    when = signed + td(days=1)
                    event(
                        aid,
                        s,
                        e,
                        college_admin,
                        "college_admin",
                        self.admin_names[college_admin],
                        "college_return",
                        "college_review",
                        "returned",
                        when,
                        RETURN_REMARK,
                    )
                    updated = when
                elif status != Status.COLLEGE_REVIEW:
                    when = signed + td(days=1)
                    event(
                        aid,
                        s,
                        e,
                        college_admin,
                        "college_admin",
                        self.admin_names[college_admin],
                        "college_approve",
                        "college_review",
                        "school_review",
                        when,
                    )
                    updated = when
                    if status != Status.SCHOOL_REVIEW:
                        effective = when + td(days=1)
                        event(
                            aid,
                            s,
                            e,
                            school_admin,
                            "school_admin",
                            self.admin_names[school_admin],
                            "school_approve",
                            "school_review",
                            "effective",
                            effective,
                        )
                        updated = effective
                        key = (school + 1, year)
                        sequences[key] = sequences.get(key, 0) + 1
                        number = f"{year}{self.school_codes[school]}{sequences[key]:05d}"
                        while True:
                            code = "".join(rng.choice(_CODE_ALPHABET) for _ in range(12))
                            if code not in codes:
                                codes.add(code)
                                break
                if status in (*TERMINATING_STATUSES, Status.TERMINATED):
                    assert effective is not None
                    by_student = bool((h >> 52) & 1)
                    requester, role, requester_name = (
                        (student_user, "student", student_name) if by_student else (hr, "employer", hr_name)
                    )
                    responder, responder_role, responder_name = (
                        (hr, "employer", hr_name) if by_student else (student_user, "student", student_name)
                    )
                    reason = REASONS[(h >> 54) % len(REASONS)]
                    asked = effective + td(days=10)
                    event(
                        aid,
                        s,
                        e,
                        requester,
                        role,
                        requester_name,
                        "termination_request",
                        "effective",
                        "termination_requested",
                        asked,
                        reason,
                    )
                    updated = asked
                    state, responded, reviewed = "pending", None, None
                    if status != Status.TERMINATION_REQUESTED:
                        responded = asked + td(days=2)
                        event(
                            aid,
                            s,
                            e,
                            responder,
                            responder_role,
                            responder_name,
                            "termination_accept",
                            "termination_requested",
                            "termination_review",
                            responded,
                        )
                        state, updated = "review", responded
                    if status == Status.TERMINATED:
                        reviewed = terminated = asked + td(days=4)
                        event(
                            aid,
                            s,
                            e,
                            school_admin,
                            "school_admin",
                            self.admin_names[school_admin],
                            "termination_approve",
                            "termination_review",
                            "terminated",
                            reviewed,
                        )
                        state, updated = "approved", reviewed
                    ids["termination"] += 1
                    termination_row(
                        (
                            ids["termination"],
                            aid,
                            requester,
                            role,
                            reason,
                            "effective",
                            state,
                            "",
                            responded,
                            "",
                            reviewed,
                            asked,
                        )
                    )
            agreement(
                (
                    aid,
                    school + 1,
                    college_id,
                    year,
                    student_name,
                    s + 1,
                    e + 1,
                    status.value,
                    number,
                    code,
                    current,
                    accepted_terms,
                    hr,
                    invited,
                    expires,
                    signed,
                    effective,
                    terminated,
                    updated,
                )
            )
            if aid % 200_000 == 0:
                log(f"  {aid:,} agreements generated")

        sequence_row = w.table("core_numbersequence", ("id", "school_id", "graduation_year", "last"))
        for n_, ((school_id, year), last) in enumerate(sorted(sequences.items()), start=1):
            sequence_row((n_, school_id, year, last))

    def reset_sequences(self) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite's AUTOINCREMENT follows the largest id inserted
        from django.apps import apps
        from django.core.management.color import no_style

        models = [m for m in apps.get_app_config("core").get_models() if m._meta.db_table in self.table_order]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def describe(counts: dict[str, int]) -> Iterator[str]:
    for table, count in counts.items():
        yield f"  {table:<24} {count:>12,}"


__all__ = ["SCALE_ACCOUNTS", "SCALE_PASSWORD", "ScaleSize", "describe", "load_scale"]
