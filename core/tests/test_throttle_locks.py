"""Locks that are no weapon (issue 19 item 2): failures lock the (account, address) pair and slow the address, a
known device or a fresh activation code is not locked by guesses elsewhere, reset requests never count against
logging in, a campus NAT gets in, a school admin lifts a lock, and guessing stays infeasible.

Run with -s for the attack table: `.venv/bin/pytest -n 0 -q -s core/tests/test_throttle_locks.py`.
"""

from __future__ import annotations

import datetime
import itertools
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.models import LockLift, LoginFailure, Role, User
from core.services.activation import activation_codes_issue
from testsupport import PASSWORD, LoginAs, World

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
NEW_PASSWORD = "Neu-2027-xyz"
_addresses = itertools.count(1)


def fresh_address() -> str:
    n = next(_addresses)
    return f"10.{100 + n // 65536}.{n // 256 % 256}.{n % 256}"


def token(client: Client, username: str, password: str, address: str) -> int:
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    ).status_code


def page_login(browser: Client, username: str, password: str, address: str) -> Any:
    return browser.post(reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def hr_accounts(n: int) -> list[User]:
    hashed = make_password(PASSWORD)
    return User.objects.bulk_create(
        [User(username=f"hr-{next(_addresses)}", role=Role.EMPLOYER, password=hashed) for _ in range(n)]
    )


def test_one_address_31_requests_locks_nobody_else(client: Client) -> None:
    accounts = hr_accounts(6)
    attacker = "10.66.0.1"
    with time_machine.travel(T0, tick=False):
        statuses = [token(client, accounts[n % 6].username, f"guess-{n}", attacker) for n in range(31)]
        assert statuses.count(401) == 24 and statuses.count(429) == 7  # each account's 5th failure here: 429
        owners = [token(client, a.username, PASSWORD, fresh_address()) for a in accounts]
        # the attacker's own address is refused for the accounts it guessed 5 times
        assert token(client, accounts[0].username, PASSWORD, attacker) == 429
    locked_for_others = sum(1 for s in owners if s != 200)
    print(f"\none address, 31 requests against 6 accounts: accounts locked for others = {locked_for_others}")
    assert locked_for_others == 0


def spend_account_budget(username: str, prefix: str, limit: int) -> list[int]:
    """`limit` wrong passwords from as many addresses as it takes at 4 each (below the pair's limit)."""
    return [token(Client(), username, f"guess-{n}", f"{prefix}.{n // 4}") for n in range(limit)]


def test_many_addresses_refuse_new_devices_but_not_the_owners_device(
    client: Client, world: World, settings: Any
) -> None:
    username = world.employer.username
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    owner = Client()
    with time_machine.travel(T0, tick=False) as clock:
        assert page_login(owner, username, PASSWORD, "10.1.1.1").status_code == 302  # remembered
        owner.post(reverse("web:logout"))
        clock.shift(datetime.timedelta(minutes=1))
        guesses = spend_account_budget(username, "10.66.1", limit)
        assert guesses == [401] * (limit - 1) + [429]  # the last failure spends the account's budget
        refused = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": PASSWORD},
            content_type="application/json",
            REMOTE_ADDR="10.2.2.2",
        )
        assert refused.status_code == 429 and "暂停在新设备上登录" in refused.json()["detail"]
        assert int(refused["Retry-After"]) > 0
        # the owner's device signs in, at the usual address and elsewhere
        assert page_login(owner, username, PASSWORD, "10.1.1.1").status_code == 302
        owner.post(reverse("web:logout"))
        assert page_login(owner, username, PASSWORD, "10.3.3.3").status_code == 302
        # a copied-looking cookie that does not verify is no device
        stranger = Client()
        stranger.cookies["wq_device"] = "forged"
        assert page_login(stranger, username, PASSWORD, "10.4.4.4").status_code == 429
        # the owner's device mistyping has a budget of its own that nobody else can spend
        owner.post(reverse("web:logout"))
        mistakes = [page_login(owner, username, f"typo-{n}", "10.3.3.3").status_code for n in range(5)]
        assert mistakes == [200, 200, 200, 200, 429]


def test_a_password_change_forgets_the_devices(world: World, client: Client, settings: Any) -> None:
    username = world.employer.username
    owner = Client()
    with time_machine.travel(T0, tick=False):
        assert page_login(owner, username, PASSWORD, "10.1.1.1").status_code == 302
        owner.post(reverse("web:logout"))
        user = User.objects.get(username=username)
        user.set_password(NEW_PASSWORD)
        user.save()
        spend_account_budget(username, "10.66.2", settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT)
        assert page_login(owner, username, NEW_PASSWORD, "10.1.1.2").status_code == 429


def unactivated(user: User) -> None:
    user.password = make_password(None)
    user.save(update_fields=["password"])


def activate(client: Client, username: str, code: str, address: str) -> Any:
    return client.post(
        "/api/v1/auth/activate",
        {"username": username, "code": code, "new_password": NEW_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_guessing_elsewhere_never_refuses_the_students_live_code(client: Client, world: World) -> None:
    user = world.student.user
    unactivated(user)
    with time_machine.travel(T0, tick=False):
        [issued] = activation_codes_issue(
            world.school, student_numbers=[world.student.student_no], acting_user=world.school_admin
        )
        guesses = [activate(client, user.username, f"AAAA-BBBB-C{n:03d}", f"10.66.8.{n // 4}") for n in range(100)]
        assert {g.status_code for g in guesses} == {400}
        done = activate(client, user.username, issued.code, "10.8.8.9")
        assert done.status_code == 200 and done.json()["token"]


def test_a_fresh_activation_code_is_not_refused(client: Client, world: World, settings: Any) -> None:
    settings.ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT = 20
    user = world.student.user
    unactivated(user)
    with time_machine.travel(T0, tick=False):
        [issued] = activation_codes_issue(
            world.school, student_numbers=[world.student.student_no], acting_user=world.school_admin
        )
        limit = settings.ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT
        guesses = [activate(client, user.username, f"AAAA-BBBB-C{n:03d}", f"10.66.3.{n // 4}") for n in range(limit)]
        assert [g.status_code for g in guesses] == [400] * (limit - 1) + [429]
        # guessing locks no login (its own budget) and not the student's own address for another account
        assert token(client, world.employer.username, PASSWORD, "10.66.3.0") == 200
        refused = activate(client, user.username, issued.code, "10.8.8.8")
        assert refused.status_code == 429 and "重新生成激活码" in refused.json()["detail"]
        [fresh] = activation_codes_issue(
            world.school, student_numbers=[world.student.student_no], acting_user=world.school_admin
        )
        done = activate(client, user.username, fresh.code, "10.8.8.8")
        assert done.status_code == 200 and done.json()["token"]


def reset(client: Client, username: str, address: str) -> int:
    return client.post(
        "/api/v1/auth/password-reset", {"username": username}, content_type="application/json", REMOTE_ADDR=address
    ).status_code


def test_reset_requests_never_count_against_logging_in(client: Client, world: World, settings: Any) -> None:
    world.employer.email = "hr@example.com"
    world.employer.save()
    nat = "10.20.0.1"
    with time_machine.travel(T0, tick=False):
        answers = [reset(client, f"no-such-{n}", nat) for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS + 1)]
        assert answers[:-1] == [200] * settings.PASSWORD_RESET_LIMIT_PER_ADDRESS and answers[-1] == 429
        logins = [
            token(client, world.employer.username, PASSWORD, nat),
            token(client, world.student.user.username, PASSWORD, nat),
        ]
        print(f"\none address, {len(answers)} reset requests: logins refused there = {sum(s != 200 for s in logins)}")
        assert logins == [200, 200]
        # one account's reset mails are bounded, from however many addresses, silently
        mine = [reset(client, world.employer.username, f"10.21.0.{n // 5}") for n in range(15)]
        assert mine == [200] * 15
        assert len(mail.outbox) == settings.PASSWORD_RESET_MAILS_PER_ACCOUNT
        assert [reset(client, world.employer.username, "10.21.0.9") for _ in range(6)][-1] == 429
        assert token(client, world.employer.username, PASSWORD, "10.21.0.9") == 200


def test_a_campus_nat_with_thousands_gets_in(client: Client, settings: Any) -> None:
    nat = "10.30.0.1"
    students = hr_accounts(400)
    refused = 0
    with time_machine.travel(T0, tick=False) as clock:
        for n, account in enumerate(students):
            for typo in range(n % 4):  # three in four mistype, up to three times
                refused += token(client, account.username, f"typo-{typo}", nat) == 429
            refused += token(client, account.username, PASSWORD, nat) != 200
            if n % 40 == 0:
                clock.shift(datetime.timedelta(seconds=30))
        left = LoginFailure.objects.filter(address=nat).count()
        print(
            f"\ncampus NAT, one address, 400 students (600 typos): refused = {refused}, failures left counted = {left}"
        )
        assert refused == 0 and left == 0
        # a guesser behind the same NAT spends the address's budget: the students' known devices still get in
        browsers = []
        for account in students[:20]:
            browser = Client()
            assert page_login(browser, account.username, PASSWORD, nat).status_code == 302
            browser.post(reverse("web:logout"))
            browsers.append(browser)
        for n in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
            token(client, f"guess-{n}", "x", nat)
        [newcomer] = hr_accounts(1)
        assert token(client, newcomer.username, PASSWORD, nat) == 429  # a new device new to that address waits
        assert token(client, students[100].username, PASSWORD, nat) == 200  # one who signed in there before: not
        known = [page_login(b, a.username, PASSWORD, nat).status_code for b, a in zip(browsers, students, strict=False)]
        print(f"campus NAT under a guesser: known devices refused = {sum(s != 302 for s in known)} of {len(known)}")
        assert known == [302] * 20


def test_school_admin_lifts_a_lock_of_their_own_schools_account(
    client: Client, world: World, login_as: LoginAs, settings: Any
) -> None:
    username = world.student.user.username
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    with time_machine.travel(T0, tick=False):
        spend_account_budget(username, "10.66.4", limit)
        for n in range(5):
            token(Client(), world.outsider_student.user.username, f"guess-{n}", "10.66.5.1")
        assert token(Client(), username, PASSWORD, "10.9.9.9") == 429
        login_as(world.school_admin)
        page = client.get(reverse("school:failed_logins")).content.decode()
        shown = world.student.student_no  # the 学号, never the internal `院校代码:学号`
        assert "当前被暂停的账号" in page and shown in page and username not in page and "暂停在新设备上登录" in page
        assert "10.66.4.0" in page and world.outsider_student.student_no not in page
        # another school's account: 404, nothing changes
        outsider = client.post(reverse("school:unlock", args=[world.outsider_student.user.pk]))
        assert outsider.status_code == 404
        assert LoginFailure.objects.filter(username=world.outsider_student.user.username).count() == 5
        done = client.post(reverse("school:unlock", args=[world.student.user.pk]), follow=True)
        assert "已解除" in done.content.decode() and f"清除失败记录{limit}次" in done.content.decode()
        lift = LockLift.objects.get()
        assert (lift.user, lift.lifted_by, lift.failures) == (world.student.user, world.school_admin, limit)
        assert "10.66.4.0" in lift.addresses
        assert token(Client(), username, PASSWORD, "10.9.9.9") == 200
        page = client.get(reverse("school:failed_logins")).content.decode()
        assert "解除锁定记录" in page and world.school_admin.name in page
        # the other school's admin sees neither; a college admin may not lift
        login_as(world.other_school_admin)
        assert shown not in client.get(reverse("school:failed_logins")).content.decode()
        assert client.post(reverse("school:unlock", args=[world.student.user.pk])).status_code == 404
        login_as(world.college_admin)
        assert client.post(reverse("school:unlock", args=[world.student.user.pk])).status_code == 403


def guesses_per_hour(client: Client, addresses: int) -> int:
    """Passwords checked (a counted failure, whether answered 401 or, reaching a limit, 429) in one hour."""
    [account] = hr_accounts(1)
    checked: set[int] = set()
    start = T0 + datetime.timedelta(days=next(_addresses))
    with time_machine.travel(start, tick=False) as clock:
        for _minute in range(0, 60, 3):  # each address tries every 3 minutes: the pair's own pace
            for a in range(addresses):
                token(client, account.username, "guess", f"10.77.{addresses}.{a}")
            checked |= set(LoginFailure.objects.filter(username=account.username).values_list("id", flat=True))
            clock.shift(datetime.timedelta(minutes=3))
    return len(checked)


def test_guessing_stays_infeasible(client: Client, settings: Any) -> None:
    pair_per_hour = settings.AXES_FAILURE_LIMIT * 3600 / settings.AXES_COOLOFF_TIME.total_seconds()
    account_limit, hours = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT, settings.LOGIN_ACCOUNT_WINDOW_HOURS
    rows = []
    for addresses in (1, 5, 25):
        measured = guesses_per_hour(client, addresses)
        bound = min(addresses * pair_per_hour, account_limit)
        rows.append((addresses, measured, bound))
        assert measured <= bound
    print("\npasswords an attacker gets checked at one account in the first hour (measured, bound):")
    for addresses, measured, bound in rows:
        print(f"  {addresses:>3} addresses: {measured:>3}  (≤ {bound:.0f})")
    per_day = account_limit * 24 / hours
    print(f"  any number of addresses: ≤ {per_day:.0f}/day, {per_day * 365:,.0f}/year per account")
    print(f"  (a guesser sharing an address the owner signed in from: ≤ {per_day:.0f}/day more there)")
    assert rows[-1][1] == account_limit


def test_the_school_that_verified_an_employer_lifts_its_hr_accounts_lock(
    client: Client, world: World, login_as: LoginAs, settings: Any
) -> None:
    employer = world.employer.employer
    employer.verified_by = world.school_admin
    employer.save(update_fields=["verified_by"])
    username = world.employer.username
    with time_machine.travel(T0, tick=False):
        spend_account_budget(username, "10.66.6", settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT)
        assert token(Client(), username, PASSWORD, "10.9.9.8") == 429
        login_as(world.other_school_admin)
        assert username not in client.get(reverse("school:failed_logins")).content.decode()
        assert client.post(reverse("school:unlock", args=[world.employer.pk])).status_code == 404
        login_as(world.school_admin)
        assert username in client.get(reverse("school:failed_logins")).content.decode()
        assert client.post(reverse("school:unlock", args=[world.employer.pk])).status_code == 302
        assert token(Client(), username, PASSWORD, "10.9.9.8") == 200
        # an employer verified by nobody of this school stays out of reach
        assert client.post(reverse("school:unlock", args=[world.other_employer.pk])).status_code == 404


def test_a_cohort_guessed_from_many_addresses_still_gets_in(client: Client, settings: Any) -> None:
    """The issue's cohort (3,000 accounts kept locked from 500 addresses), scaled down: 10 accounts, each guessed past
    its budget from its own 13 addresses. Owners on their devices sign in; one on a new device resets by e-mail."""
    accounts = hr_accounts(10)
    for n, account in enumerate(accounts):
        account.email = f"hr{n}@example.com"
        account.save(update_fields=["email"])
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    with time_machine.travel(T0, tick=False) as clock:
        browsers = []
        for account in accounts:
            browser = Client()
            assert page_login(browser, account.username, PASSWORD, "10.40.0.1").status_code == 302
            browser.post(reverse("web:logout"))
            browsers.append(browser)
        clock.shift(datetime.timedelta(minutes=1))
        for n, account in enumerate(accounts):
            spend_account_budget(account.username, f"10.{50 + n}.0", limit)
        new_devices = [token(Client(), a.username, PASSWORD, "10.41.0.1") for a in accounts]
        known = [
            page_login(b, a.username, PASSWORD, "10.40.0.1").status_code
            for b, a in zip(browsers, accounts, strict=False)
        ]
        # on a new device: 忘记密码 from there, the link sets a password and the device is remembered
        fresh = Client()
        assert (
            fresh.post(
                reverse("web:password_reset"), {"username": accounts[0].username}, REMOTE_ADDR="10.41.0.1"
            ).status_code
            == 200
        )
        link = re.search(r"https?://[^/]+(/password-reset/\S+/)", str(mail.outbox[-1].body)).group(1)  # type: ignore[union-attr]
        form = fresh.get(link, follow=True, REMOTE_ADDR="10.41.0.1")
        fresh.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            REMOTE_ADDR="10.41.0.1",
        )
        after_reset = page_login(fresh, accounts[0].username, NEW_PASSWORD, "10.41.0.1").status_code
    print(
        f"\ncohort of {len(accounts)} guessed from {13 * len(accounts)} addresses ({limit} failures each): "
        f"new devices refused = {sum(s == 429 for s in new_devices)}, known devices refused = "
        f"{sum(s != 302 for s in known)}, new device after 忘记密码: {after_reset}"
    )
    assert new_devices == [429] * len(accounts) and known == [302] * len(accounts) and after_reset == 302


def test_the_owner_gets_in_from_an_address_they_signed_in_from(client: Client, world: World, settings: Any) -> None:
    """No cookie needed (an API client): an address the account signed in from is not refused for guesses made
    elsewhere; a guesser sharing that address has the pair's limits there (5 per window, the account's per day)."""
    username = world.employer.username
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    with time_machine.travel(T0, tick=False) as clock:
        assert token(client, username, PASSWORD, "10.1.2.3") == 200
        clock.shift(datetime.timedelta(minutes=1))
        spend_account_budget(username, "10.66.7", limit)
        assert token(client, username, PASSWORD, "10.2.3.4") == 429  # a new address waits
        assert token(client, username, PASSWORD, "10.1.2.3") == 200  # home does not
        # a guesser at the owner's address: 5 per window there, at most the account's daily limit
        checked = 0
        for _window in range(limit // settings.AXES_FAILURE_LIMIT + 2):
            for n in range(settings.AXES_FAILURE_LIMIT):
                token(client, username, f"home-guess-{n}", "10.1.2.3")
            checked = LoginFailure.objects.filter(username=username, address="10.1.2.3").count()
            clock.shift(settings.AXES_COOLOFF_TIME)
        assert checked == limit
        refused = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": PASSWORD},
            content_type="application/json",
            REMOTE_ADDR="10.1.2.3",
        )
        assert refused.status_code == 429 and "小时后" in refused.json()["detail"]


def test_the_operator_lifts_any_accounts_lock(settings: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    [account] = hr_accounts(1)
    with time_machine.travel(T0, tick=False):
        spend_account_budget(account.username, "10.66.9", settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT)
        assert token(Client(), account.username, PASSWORD, "10.9.9.7") == 429
        out = StringIO()
        call_command("unlock_account", "--username", account.username, stdout=out)
        assert f"{settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT} failures cleared" in out.getvalue()
        assert token(Client(), account.username, PASSWORD, "10.9.9.7") == 200
        lift = LockLift.objects.get(user=account)
        assert lift.lifted_by is None and "10.66.9.0" in lift.addresses
        with pytest.raises(CommandError, match="没有用户名为"):
            call_command("unlock_account", "--username", "no-such-account")
