"""A second Plumb process on a project, driven line by line over stdin (see test_undo_sessions):

    box FRAME X       set the athlete box on FRAME of clip 1 (x1 = X)
    joint FRAME X     move joint 9 on FRAME of clip 1 to (X, X)
    undo              undo this process's newest edit
    quit

It registers itself as an open window and answers each command with one line: "ok", the undo's
description, or "refused: <message>".
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.edits import EditHistory, set_box, set_keypoints
from app.edits.presence import register, unregister
from app.errors import EditError
from app.store.store import Store


def main(path: str, annotator: str) -> None:
    store = Store.open(Path(path))
    history = EditHistory(store, annotator=lambda: annotator)
    register(store, history.session_id, annotator)
    print("ready", flush=True)
    for line in sys.stdin:
        command, *values = line.split()
        try:
            if command == "box":
                x = float(values[1])
                history.apply(set_box(1, int(values[0]), (x, 10.0, x + 50, 90.0), schema="mpii16"))
                print("ok", flush=True)
            elif command == "joint":
                x = float(values[1])
                history.apply(set_keypoints(1, int(values[0]), {9: (x, x)}, schema="mpii16"))
                print("ok", flush=True)
            elif command == "undo":
                entry = history.undo()
                print(entry.description if entry else "nothing", flush=True)
            elif command == "quit":
                break
        except EditError as exc:
            print(f"refused: {exc}", flush=True)
    unregister(store, history.session_id)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
