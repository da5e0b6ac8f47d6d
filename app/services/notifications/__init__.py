"""Notifications: who hears of what, at which level; the list, unread counts and read state; immediate mail.

The rules, in one place:
- A group level (watching / tracking / normal / muted; a default per group kind) and a thread level
  (chosen, or "watching" once she took part) decide who hears of a new thread or a reply. A thread level
  beats the group's: a muted group silences every thread in it she did not start, reply to or follow.
- A mention, a question to her portfolio and a reply to her (in her thread, or quoting her) reach her
  at every level but muted.
- Never about her own action, never two for one event (the strongest reason wins), never about what she
  cannot read: recipients are filtered by read access when written, and the list and the unread count
  hide what she can no longer read (she left a closed group, the thread was deleted).
- While unread, further events on the same thing fold into one line ("3 new replies in …").
- The notification, its live event and its mail are written in the action's transaction.

recipients.py (levels, who may read) ← inbox.py (the list, read state) ← delivery.py (the lines, mails);
preferences.py (her choices).
"""
from app.services.notifications.delivery import (
    notify_article,
    notify_member,
    notify_mentions_added,
    notify_new_thread,
    notify_question_audience,
    notify_reply,
    remind_editors,
)
from app.services.notifications.inbox import (
    get_unread,
    list_notifications,
    mark_all_read,
    mark_read,
    mark_thread_read,
    took_part,
    unread_counts,
)
from app.services.notifications.preferences import (
    get_group_level,
    get_notification_settings,
    get_thread_level,
    set_group_level,
    set_thread_level,
    unsubscribe,
    update_notification_settings,
)
from app.services.notifications.recipients import (
    default_level,
    portfolio_audience,
)

__all__ = [
    "default_level",
    "get_group_level",
    "get_notification_settings",
    "get_thread_level",
    "get_unread",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "mark_thread_read",
    "notify_article",
    "notify_member",
    "notify_mentions_added",
    "notify_new_thread",
    "notify_question_audience",
    "notify_reply",
    "portfolio_audience",
    "remind_editors",
    "set_group_level",
    "set_thread_level",
    "took_part",
    "unread_counts",
    "unsubscribe",
    "update_notification_settings",
]
