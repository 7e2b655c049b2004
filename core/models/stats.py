"""统计 counters: a summary table kept right by the workflow functions, so the statistics never scan agreements.

One row per (school, 毕业年度, college, major, metric, slot). The metric names what is counted (`status:<status>`
for agreements by status, `effective` for agreements counting towards 签约率, `placed` for 去向落实); the slot
spreads one key over several rows (the student's id modulo WANGQIAN_STATS_SLOTS) so that a hundred accepts a
second in one major do not queue on one row. Readers sum over the slots. core.services.stats_counters writes it.
"""

from __future__ import annotations

from django.db import models

from core.models.org import College, Major, School


class StatsCounter(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    major = models.ForeignKey(Major, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    slot = models.PositiveSmallIntegerField(default=0)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计计数"
        constraints = [
            # The upsert's conflict target; its index also serves the readers (school, year first).
            models.UniqueConstraint(
                fields=["school", "graduation_year", "college", "major", "metric", "slot"], name="stats_counter_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.graduation_year}/{self.major_id} {self.metric}[{self.slot}]={self.n}"
