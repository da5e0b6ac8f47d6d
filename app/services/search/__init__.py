"""Full-text search: the index (index.py, kept in the writes' transactions), the words (text.py: folding,
stop words, Dutch stemming, snippets), the queries (query.py: one interface over PostgreSQL and SQLite FTS5)
and the text of attached PDFs (pdf.py, read by the job runner)."""
from app.services.search.index import (
    fill_if_empty,
    index_article,
    index_group,
    index_member,
    index_post,
    index_thread,
    move_group,
    rebuild,
    rebuild_thread,
    unindex,
    unindex_thread,
)
from app.services.search.query import recent_by, search, similar_answered_questions, suggest, visible

__all__ = ["fill_if_empty", "index_article", "index_group", "index_member", "index_post", "index_thread",
           "move_group", "rebuild", "rebuild_thread", "recent_by", "search", "similar_answered_questions", "suggest",
           "unindex", "unindex_thread", "visible"]
