"""SESSION_ENGINE: Django's database sessions, the session's row read by one statement compiled once per process
(core.selectors.paging.CompiledRead, prepared on PostgreSQL) rather than a queryset compiled on every request.

Only the read differs: the row by its key, refused when expired exactly as Django's `expire_date > now` filter
refuses it; writing, creating, cycling, deleting and `clearsessions` are Django's, on the same table with the same
encoding, so sessions stored before work unchanged."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db import models
from django.utils import timezone

from core.selectors.paging import CompiledRead, as_given, attnames
from web.backends import ACCOUNT_BACKEND

# Sessions signed in before web.backends.AccountBackend name Django's ModelBackend, which is no longer listed in
# AUTHENTICATION_BACKENDS (listed as well, it would check every wrong password a second time): they are read as
# naming AccountBackend, so nobody is signed out by the change. A session saved again stores the new name; the
# others expire within SESSION_COOKIE_AGE (two weeks) of the change, after which this can go.
_RENAMED_BACKENDS = {"django.contrib.auth.backends.ModelBackend": ACCOUNT_BACKEND}

_COLUMNS = attnames(Session)
# Never a session key (32 lowercase letters and digits): where the key goes in the compiled statement.
_MARKER = "compiled-read-marker"


def _session_query(session_key: str) -> models.QuerySet[Any]:
    return Session.objects.filter(session_key=session_key).order_by().values_list(*_COLUMNS)


_READ = CompiledRead(_session_query, marker=_MARKER, parameter=as_given)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        using = self.model.objects.all().db
        try:
            rows = _READ.rows(self.session_key, using=using)
        except SuspiciousOperation as e:  # as Django's: logged to django.security, the session then empty
            logger = logging.getLogger(f"django.security.{e.__class__.__name__}")
            logger.warning(str(e))
            rows = []
        session = Session.from_db(using, _COLUMNS, rows[0]) if rows else None
        if session is None or not session.expire_date > timezone.now():
            self._session_key = None
            return None
        return session

    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = super().load()
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in _RENAMED_BACKENDS:
            data[BACKEND_SESSION_KEY] = _RENAMED_BACKENDS[backend]
        return data
