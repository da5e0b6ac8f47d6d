"""Threads (discussions, questions, motions) and their posts: create, read, edit, delete, react, answer.

reading.py (responses, lists) ← writing.py (starting a thread, mentions, edits) ← threads.py ← replies.py
"""
from app.services.posts.reading import (
    get_post,
    get_thread,
    list_channel_threads,
    list_group_threads,
    list_my_activity,
    list_pending_questions,
    list_replies,
    list_revisions,
    threads_out,
)
from app.services.posts.replies import (
    create_reply,
    delete_post,
    preview,
    publish_held,
    set_reaction,
    update_post,
)
from app.services.posts.threads import create_thread, delete_thread, set_answer, update_thread
from app.services.posts.writing import edit_body, start_thread, tell_author_of_removal

__all__ = [
    "create_reply",
    "create_thread",
    "delete_post",
    "delete_thread",
    "edit_body",
    "get_post",
    "get_thread",
    "list_channel_threads",
    "list_group_threads",
    "list_my_activity",
    "list_pending_questions",
    "list_replies",
    "list_revisions",
    "preview",
    "publish_held",
    "set_answer",
    "set_reaction",
    "start_thread",
    "tell_author_of_removal",
    "threads_out",
    "update_post",
    "update_thread",
]
