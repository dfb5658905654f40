"""The question log: every question readers ask, for moderators to follow up.

The bot's entry points:

* ``QuestionLog`` (writer.py): ``await log.record(NewQuestion(...))`` before answering, and
  ``await log.record_feedback(...)`` for the helpful/not helpful buttons.
* ``QuestionStore`` (store.py) with a ``Scope``: the moderator commands and /mydata.
* ``FaqMatcher`` (faq.py): answers already written by moderators.
* ``upgrade(database_url)`` (db.py): run the migrations at start.

Charts (charts.py) are not imported here; matplotlib, for the PNG, is an optional extra.
"""

from geobot.questions.db import current_revision, head_revision, make_engine, upgrade
from geobot.questions.faq import FaqEntry, FaqMatch, FaqMatcher
from geobot.questions.models import QuestionStatus
from geobot.questions.store import (
    AnswerResult,
    FaqNotFound,
    ForgetResult,
    InvalidTransition,
    MyData,
    QuestionFilter,
    QuestionNotFound,
    QuestionPage,
    QuestionStore,
    Scope,
    Stats,
)
from geobot.questions.writer import (
    NewQuestion,
    QuestionLog,
    QuestionLogError,
    RecordedFeedback,
    RecordedQuestion,
)

__all__ = [
    "AnswerResult",
    "FaqEntry",
    "FaqMatch",
    "FaqMatcher",
    "FaqNotFound",
    "ForgetResult",
    "InvalidTransition",
    "MyData",
    "NewQuestion",
    "QuestionFilter",
    "QuestionLog",
    "QuestionLogError",
    "QuestionNotFound",
    "QuestionPage",
    "QuestionStatus",
    "QuestionStore",
    "RecordedFeedback",
    "RecordedQuestion",
    "Scope",
    "Stats",
    "current_revision",
    "head_revision",
    "make_engine",
    "upgrade",
]
