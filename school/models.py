"""The school portal keeps no state of its own: its 生源导入 jobs are core.models.Job (kind roster)."""
