"""流程追踪's one shape: an agreement's events and a 毕业去向's events are the same kind of row (who did what, from
which status to which, when, and its place in its object's history), so the pages, the API (one builder,
`api.representations.event_data`) and webhooks read them alike."""

from __future__ import annotations

from django.db import models

from core.models.org import User


class TimelineEvent(models.Model):
    """One line of 流程追踪, append-only. `sequence` is its place in its object's history (1, 2, 3, … per agreement
    or 去向), assigned when it is recorded under the object's row lock: what a webhook receiver orders by."""

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField("用户名称", max_length=100)
    actor_role = models.CharField("角色", max_length=20, blank=True)  # blank for the system
    action = models.CharField("操作代码", max_length=40)
    action_label = models.CharField("操作", max_length=40)
    remark = models.TextField("备注", blank=True)
    old_status = models.CharField(max_length=24, blank=True)
    new_status = models.CharField(max_length=24, blank=True)
    sequence = models.PositiveIntegerField("序号")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
