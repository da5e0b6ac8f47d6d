"""Publishing: articles (drafts for editors only, revisions), their covers, scheduling and the
compare-and-set publish, comments and reactions through a comment thread; the interview series and
their calendar; the Atom feeds.

articles.py ← covers.py, comments.py ← scheduling.py; series.py ← feeds.py
"""
from app.services.publishing.articles import (
    access_article,
    article_out,
    article_url,
    as_utc,
    create_article,
    delete_article,
    get_article,
    get_article_by_slug,
    get_featured,
    list_editorial,
    list_published,
    list_revisions,
    require_editor,
    summary,
    update_article,
)
from app.services.publishing.comments import (
    comment,
    get_reactions,
    open_comments,
    opening_post_id,
    react,
)
from app.services.publishing.covers import (
    cover_path,
    set_cover,
)
from app.services.publishing.feeds import (
    atom_feed,
)
from app.services.publishing.scheduling import (
    publish_article,
    publish_due,
    schedule_article,
    unpublish_article,
    unschedule_article,
)
from app.services.publishing.series import (
    create_series,
    editor_ids,
    get_calendar,
    get_series,
    is_slot,
    list_series,
    remind_at,
    remind_empty_slot,
    reminder_key,
    schedule_reminders,
    series_id_by_slug,
    series_out,
    slot_moment,
    slots_from,
    update_series,
)

__all__ = [
    "access_article",
    "article_out",
    "article_url",
    "as_utc",
    "atom_feed",
    "comment",
    "cover_path",
    "create_article",
    "create_series",
    "delete_article",
    "editor_ids",
    "get_article",
    "get_article_by_slug",
    "get_calendar",
    "get_featured",
    "get_reactions",
    "get_series",
    "is_slot",
    "list_editorial",
    "list_published",
    "list_revisions",
    "list_series",
    "open_comments",
    "opening_post_id",
    "publish_article",
    "publish_due",
    "react",
    "remind_at",
    "remind_empty_slot",
    "reminder_key",
    "require_editor",
    "schedule_article",
    "schedule_reminders",
    "series_id_by_slug",
    "series_out",
    "set_cover",
    "slot_moment",
    "slots_from",
    "summary",
    "unpublish_article",
    "unschedule_article",
    "update_article",
    "update_series",
]
