"""People and organisations: schools with their settings, colleges, majors, students, employers, users."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


def admin_second_factor_default() -> bool:
    """A new school requires a second factor of its admins unless the deployment says otherwise (ADMIN_SECOND_FACTOR:
    on in production, off in the demo)."""
    return bool(settings.ADMIN_SECOND_FACTOR)


class School(models.Model):
    name = models.CharField("院校名称", max_length=100, unique=True)
    code = models.CharField("院校代码", max_length=10, unique=True)

    # School settings (学校设置). Changes go through core.services.schools and are logged.
    college_review_enabled = models.BooleanField("学院审核", default=True)
    school_review_enabled = models.BooleanField("学校审核", default=True)
    termination_review_enabled = models.BooleanField("解约学校审核", default=True)
    max_terminations = models.PositiveIntegerField("每生解约次数上限", null=True, blank=True)
    termination_window_start = models.DateField("解约开放开始日期", null=True, blank=True)
    termination_window_end = models.DateField("解约开放结束日期", null=True, blank=True)
    invitation_validity_days = models.PositiveIntegerField("邀约有效期（天）", default=7)
    number_format = models.CharField("协议书编号格式", max_length=60, default="{year}{school_code}{seq:05d}")
    # For 2023 and later graduates only (core.rules.shows_dispatch_fields): 报到证 were abolished from 2023 on.
    show_dispatch_fields = models.BooleanField("显示报到证信息", default=False)
    activation_code_validity_days = models.PositiveIntegerField("激活码有效期（天）", default=14)
    # Times in e-mail, short messages and 消息 are told in this zone (an IANA name, checked by core.services.schools).
    time_zone = models.CharField("时区", max_length=40, default="Asia/Shanghai")
    # Its school and college admins sign in with a password and a passkey or an authenticator app (core.services.mfa).
    second_factor_required = models.BooleanField("管理员两步验证", default=admin_second_factor_default)

    class Meta:
        verbose_name = verbose_name_plural = "院校"

    def __str__(self) -> str:
        return self.name


class Province(models.Model):
    """A province's graduate-employment authority (省级主管部门) and the schools assigned to it (SPEC §1)."""

    name = models.CharField("名称", max_length=100, unique=True)
    schools = models.ManyToManyField(School, related_name="provinces", blank=True, verbose_name="所辖院校")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "省级主管部门"

    def __str__(self) -> str:
        return self.name


class SchoolSettingsChange(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="settings_changes")
    actor = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True)
    changes = models.JSONField("变更内容")  # {field: [old, new]}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class College(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="colleges")
    name = models.CharField("院系", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "院系"
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="college_unique_name")]

    def __str__(self) -> str:
        return self.name


class Major(models.Model):
    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="majors")
    name = models.CharField("专业", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "专业"
        constraints = [models.UniqueConstraint(fields=["college", "name"], name="major_unique_name")]

    def __str__(self) -> str:
        return self.name


class Employer(models.Model):
    class Verification(models.TextChoices):
        PENDING = "pending", "待审核"
        VERIFIED = "verified", "已通过"
        REJECTED = "rejected", "已驳回"
        # Named on a student's paper 就业协议书 but not registered here; it claims this row when it registers.
        UNREGISTERED = "paper", "未注册"

    # 基本信息
    name = models.CharField("单位名称", max_length=100)
    # Unique among employers not rejected (`employer_credit_code_live`): a rejected registration frees its code.
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    contact_person = models.CharField("联系人", max_length=50)
    phone = models.CharField("联系电话", max_length=20)
    email = models.EmailField("邮箱")
    address = models.CharField("通讯地址", max_length=200)

    verification_status = models.CharField(
        "资质审核状态", max_length=10, choices=Verification.choices, default=Verification.PENDING
    )
    verification_remark = models.CharField("审核意见", max_length=200, blank=True)
    # A registration that claims a 未注册 row (named on students' paper agreements) keeps that row's name, the one
    # the papers give, until a school verifies it: the name it registered under waits here (issue 19 item 6(c)).
    claimed_name = models.CharField("注册单位名称（待审核）", max_length=100, blank=True)
    verified_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # 签约信息 (all required once filled; blank until the first-use form is confirmed)
    nature = models.CharField("单位性质", max_length=4, blank=True)
    location = models.CharField("单位所在地", max_length=6, blank=True)
    archive_receiving = models.CharField("档案接收", max_length=4, blank=True)
    archive_unit_name = models.CharField("档案转寄单位名称", max_length=100, blank=True)
    archive_address = models.CharField("档案转寄地址", max_length=200, blank=True)
    archive_postcode = models.CharField("档案转寄邮编", max_length=6, blank=True)
    archive_contact = models.CharField("档案转寄联系人", max_length=50, blank=True)
    archive_phone = models.CharField("档案转寄联系电话", max_length=20, blank=True)
    dispatch_title = models.CharField("报到证抬头", max_length=100, blank=True)
    dispatch_location = models.CharField("报到证签发所在地", max_length=6, blank=True)
    affiliation = models.CharField("单位隶属", max_length=6, blank=True)
    hukou_receiving = models.CharField("户口接收类型", max_length=4, blank=True)
    hukou_address = models.CharField("户口接收地址", max_length=200, blank=True)
    profile_completed_at = models.DateTimeField("签约信息确认时间", null=True, blank=True)

    # 营业执照 scan uploaded at registration (core.services.licences): sniffed PDF/JPG/PNG in Django's storage under a
    # random name; 单位资质审核 shows it beside the code's check and cannot approve an employer without it.
    licence = models.FileField("营业执照扫描件", upload_to="licences/%Y/%m/", max_length=200, blank=True)
    licence_name = models.CharField("营业执照文件名", max_length=100, blank=True)
    licence_type = models.CharField("营业执照文件类型", max_length=40, blank=True)
    licence_size = models.PositiveIntegerField("营业执照文件大小（字节）", null=True, blank=True)
    licence_uploaded_at = models.DateTimeField("营业执照上传时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用人单位"
        # 单位资质审核's queue and the menu's count of pending employers, among 20,000.
        indexes = [
            models.Index(fields=["verification_status"], name="employer_verification"),
            models.Index(fields=["credit_code"], name="employer_credit_code"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(verification_status="rejected"),
                name="employer_credit_code_live",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def profile_complete(self) -> bool:
        return self.profile_completed_at is not None


class Role(models.TextChoices):
    EMPLOYER = "employer", "用人单位"
    STUDENT = "student", "学生"
    COLLEGE_ADMIN = "college_admin", "学院管理员"
    SCHOOL_ADMIN = "school_admin", "学校管理员"
    PROVINCE_ADMIN = "province_admin", "省级主管部门"


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="admins")
    college = models.ForeignKey(College, on_delete=models.PROTECT, null=True, blank=True, related_name="admins")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="admins")
    must_change_password = models.BooleanField("须修改初始密码", default=False)
    # Per account: whether workflow e-mail (and reminders) go to this account's address. An employer's HR account
    # without an address of its own is written to at the employer's registered 邮箱.
    email_notifications = models.BooleanField("接收邮件通知", default=True)
    # An HR account's mobile, confirmed by an SMS code at 单位注册 (core.services.sms_codes).
    phone = models.CharField("手机号", max_length=11, blank=True)
    phone_confirmed_at = models.DateTimeField("手机号验证时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def name(self) -> str:
        return self.display_name or self.username


class Student(models.Model):
    class Degree(models.TextChoices):
        JUNIOR = "junior", "专科毕业生"
        BACHELOR = "bachelor", "本科毕业生"
        MASTER = "master", "硕士研究生"
        DOCTOR = "doctor", "博士研究生"

    class Gender(models.TextChoices):
        MALE = "男", "男"
        FEMALE = "女", "女"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="students")
    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="students")
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True, related_name="student")
    student_no = models.CharField("学号", max_length=30)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    id_number = models.CharField("身份证号", max_length=18)
    phone = models.CharField("手机号", max_length=11)
    email = models.EmailField("邮箱", blank=True)
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    degree = models.CharField("学历", max_length=10, choices=Degree.choices)

    class Meta:
        verbose_name = verbose_name_plural = "生源"
        constraints = [models.UniqueConstraint(fields=["school", "student_no"], name="student_unique_no")]
        indexes = [
            models.Index(fields=["graduation_year", "name"], name="student_search"),
            # The lists' 身份证号 filter finds the student first, then their agreements.
            models.Index(fields=["id_number"], name="student_id_number"),
            # A sign-in by a bare 学号 (no school chosen) finds the schools that have it (core.selectors.accounts).
            models.Index(fields=["student_no"], name="student_no"),
            # 统计 counts students by 院系 and 专业 per school and year from this index alone.
            models.Index(fields=["school", "graduation_year", "college", "major"], name="student_stats_major"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.student_no}）"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored.

    `auth_hash` is the user's session auth hash when the token was issued (Django's own way of ending
    sessions on a password change): a token whose hash no longer matches was issued before the password
    changed, however it changed (page, API, reset, activation, admin), and is refused.

    `second_factor` says the sign-in that issued it passed a second factor: while the account needs one
    (core.services.mfa.second_factor_required, e.g. after its school turned 管理员两步验证 on) a token without it is
    refused, as a web session without it is sent to the second-factor page.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    auth_hash = models.CharField(max_length=128, default="")
    second_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # With read replicas: until when this token's reads stay on the primary after its last write (core.replicas).
    primary_until = models.DateTimeField(null=True, blank=True)


class ActivationCode(models.Model):
    """A one-time code with which a roster student sets their first (or a new) password.

    Only an HMAC of the code is stored. Issuing a new code revokes the student's earlier unused ones.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="activation_code_user")]


class StudentChange(models.Model):
    """生源 correction by the school: what changed, who changed it, when (the roster is what agreements cite)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    changes = models.JSONField("变更内容")  # {field label: [old, new]}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
