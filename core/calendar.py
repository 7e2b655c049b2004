import datetime

from django.utils import timezone


def current_graduation_year(today: datetime.date | None = None) -> int:
    """The 毕业年度 is the year of the coming June: 2027 during the 2026–27 academic year."""
    today = today or timezone.localdate()
    return today.year + 1 if today.month >= 7 else today.year
