"""Similar work at council scale: the suggestions while typing a title and an idea's page, every view and
the first view after a write (an idea's title changed), through the Flask stack on a filled database.

    .venv/bin/python -m bench.similar_work --database-url postgresql://postgres@127.0.0.1:5432/large

Each write is rolled back after the view that follows it; nothing is kept.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from changeauth import create_app, db
from changeauth.models import Improvement, User, UserRole


def _signed_in(app: Any, user: User) -> Any:
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update(
            {
                "_user_id": user.get_id(),
                "_fresh": True,
                "_signed_in_at": now,
                "_last_seen": now,
                "_auth_at": now,
                "_2fa": True,
            }
        )
    return client


def _ms(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("CHANGEAUTH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--writes", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set CHANGEAUTH_DATABASE_URL")
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "k" * 42,
            "RATELIMIT_ENABLED": False,
        }
    )
    engine = db.make_engine(url)
    connection = engine.connect()
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    connection.begin()
    try:
        with app.app_context():
            staff = db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == "staff")
                .limit(1)
            ).one()
            chooser = random.Random(22)
            rows = db.session.execute(
                select(Improvement.id, Improvement.title).order_by(Improvement.id)
            ).all()
            titles = [title for _id, title in chooser.sample(rows, args.repeat)]
            (idea_id, _idea_title), (other_id, _other_title) = db.session.execute(
                select(Improvement.id, Improvement.title)
                .where(Improvement.stage == "idea")
                .order_by(Improvement.id)
                .limit(2)
            ).all()
            client = _signed_in(app, staff)
        db.session.remove()

        def get(path: str, **query: str) -> bytes:
            with app.app_context():
                response = client.get(path, query_string=query)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                data: bytes = response.get_data()
            db.session.remove()
            return data

        def fragment(title: str) -> bytes:
            return get("/improvements/similar", title=title)

        def detail() -> bytes:
            return get(f"/improvements/{idea_id}")

        print(
            f"{len(rows):,} improvements; first fragment {_ms(lambda: fragment(titles[0])):.1f} ms",
            flush=True,
        )
        detail()
        typing = [_ms(lambda t=title: fragment(t)) for title in titles]  # type: ignore[misc]
        page = [_ms(detail) for _ in range(args.repeat)]
        written, typing_after, page_after, found = [], [], [], 0
        # Each write gives another improvement a title and problem nothing else has, as a new idea would;
        # the view timed after it is an ordinary one (a title typed, the idea's page), and then the
        # written title is typed to see that the write is found.
        for number in range(args.writes):
            typed = f"Xylophone repairs {number}"
            for view, times in ((lambda n=number: fragment(titles[n]), typing_after), (detail, page_after)):
                savepoint = connection.begin_nested()
                with app.app_context():

                    def write(title: str = typed) -> None:
                        statement = update(Improvement).where(Improvement.id == other_id)
                        db.session.execute(statement.values(title=title, problem=f"{title}, by hand."))
                        db.session.commit()

                    written.append(_ms(write))
                db.session.remove()
                times.append(_ms(view))
                found += typed.encode() in fragment(typed)
                savepoint.rollback()
        print(
            f"similar work while typing: median {statistics.median(typing):.1f} ms, "
            f"max {max(typing):.1f} ms\n"
            f"idea page (with similar work): median {statistics.median(page):.1f} ms\n"
            f"write (a title changed): median {statistics.median(written):.1f} ms\n"
            f"first view after a write, typing: median {statistics.median(typing_after):.1f} ms, "
            f"max {max(typing_after):.1f} ms\n"
            f"first view after a write, idea page: median {statistics.median(page_after):.1f} ms, "
            f"max {max(page_after):.1f} ms\n"
            f"the written title found in {found} of {2 * args.writes} searches after the write",
            flush=True,
        )
    finally:
        db.session.remove()
        if connection.in_transaction():
            connection.rollback()
        connection.close()
        db.SessionFactory.configure(bind=None)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
