"""The search index: one row per thing that can be found (a thread with its opening post, a reply, an article,
a group, a member), with the columns search filters on. The full-text part lives beside it, per database:

- PostgreSQL: a generated `document` tsvector column (configuration `plein_nl`: the Snowball Dutch stemmer
  after unaccent), GIN-indexed, with two more partial GIN indexes (threads; articles, groups and members) for
  the per-kind counts; the migrations create them.
- SQLite: an FTS5 table `search_fts` over `title_terms` / `body_terms`, which the application fills with
  accent-folded, Snowball-stemmed words (FTS5 has no Dutch stemmer); triggers keep it in step with this table.

Neither is in the ORM metadata (app.migrate.SEARCH_INTERNALS tells Alembic's comparison to leave them be).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_documents_group", "group_id", "id"),
        Index("ix_search_documents_thread", "thread_id"),
        Index("ix_search_documents_created", "created_at"),
        Index("ix_search_documents_kind", "kind"),
        # The motion library: every motion, newest first, without reading the other million entries; it holds
        # every column the library counts and filters on, so the page and its facets read only this index.
        Index("ix_search_documents_motions", "id", "group_id", "group_kind", "kind", "municipality", "province",
              "motion_status", "created_at", sqlite_where=text("kind = 'thread' AND thread_kind = 'motion'"),
              postgresql_where=text("kind = 'thread' AND thread_kind = 'motion'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # thread (its title and opening post) | reply | article | group | member
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[int] = mapped_column(Integer)
    # Who may find it: the members who may read this group (None: every member: an article, a member).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # Filters.
    group_kind: Mapped[str | None] = mapped_column(String(20))
    thread_kind: Mapped[str | None] = mapped_column(String(20))  # discussion | question | motion
    motion_status: Mapped[str | None] = mapped_column(String(20))
    municipality: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What is searched and shown: plain text (markdown marks removed); `extra` is text of attached PDFs.
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[str] = mapped_column(Text, default="")
    # The stemmed, accent-folded words (both Snowball Dutch stemmers): what FTS5 indexes on SQLite, and on
    # PostgreSQL part of the `document` tsvector beside its own `dutch` stems.
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
