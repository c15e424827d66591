"""Auto-annotation from the window: the pose model (NumberedPose, a deterministic fake) runs in
a worker thread over a real project and a real decoded video while the window stays usable."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.attention import FrameStatus
from app.auto_annotate import PoseOptions, model_layer
from app.edits import set_keypoints
from app.project import Project
from app.store import queries
from app.store.models import WORKING_LAYER
from app.ui.pose_worker import PoseWorker
from inference.provenance import JointSource
from tests.helpers.numbered_pose import NumberedPose, athlete_keypoints
from tests.helpers.videos import write_damaged_frames_video
from tests.ui.conftest import FRAMES, wait_for_frame

OPTIONS = PoseOptions(backend="numbered", max_gap=4)
RUN_MS = 10_000


class SlowNumbered(NumberedPose):
    """NumberedPose taking ``delay_s`` per frame; frames from ``hold_at`` on wait for ``gate``."""

    def __init__(self, delay_s: float = 0.0, hold_at: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.delay_s = delay_s
        self.hold_at = hold_at
        self.gate = threading.Event()

    def detect(self, image, timestamp_ms=None):
        people = super().detect(image, timestamp_ms)
        if self.hold_at is not None and self.detected[-1] >= self.hold_at:
            self.gate.wait(5)
        time.sleep(self.delay_s)
        return people


@pytest.fixture(autouse=True)
def no_leaked_pose_threads():
    yield
    QApplication.processEvents()
    assert PoseWorker.running() == [], "a pose thread outlived its window"


@pytest.fixture
def open_window(make_window, project_dir):
    def make(*backends: NumberedPose):
        queue = list(backends)
        window = make_window(pose_options=OPTIONS, pose_backend=lambda: queue.pop(0))
        assert window.open_project(project_dir)
        window.select_clip(1)
        return window
    return make


def track(window, layer=WORKING_LAYER):
    with window.project.store.reading() as session:
        return queries.pose_track(session, 1, layer)


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.pose_runs.is_running(), timeout=RUN_MS)


def test_auto_annotate_fills_the_clip_while_the_window_stays_usable(qtbot, open_window):
    backend = SlowNumbered(delay_s=0.01)
    window = open_window(backend)
    wait_for_frame(qtbot, window, 0)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as done:
        window.pose_actions[0].trigger()  # Pose ▸ Auto-Annotate Clip (Ctrl+P)
        assert window.pose_runs.widget.isVisible()
        assert not window.auto_annotate_clip() and window.pose_runs.is_running(), "one run at a time"
        # The first batches land while the model is still running: the timeline redraws...
        qtbot.waitUntil(lambda: (window.frame_timeline._statuses == FrameStatus.MODEL).any(), timeout=RUN_MS)
        assert window.pose_runs.is_running()
        # ...and stepping frames works meanwhile.
        for frame in (1, 2, 3):
            window.pane.player.step(1)
            wait_for_frame(qtbot, window, frame)
        assert window.pose_runs.is_running(), "the run outlasted the steps; the window did not wait for it"
    assert done.args[0]["finished"]
    assert sorted(backend.detected) == list(range(FRAMES))
    working = track(window)
    assert working.frames.tolist() == list(range(FRAMES))
    np.testing.assert_allclose(working.keypoints[40], athlete_keypoints(40), atol=1e-4)
    assert (window.frame_timeline._statuses != FrameStatus.NO_POSE).all()
    assert window.editor._read(3) is not None
    assert not window.pose_runs.widget.isVisible()
    assert "done" in window.statusBar().currentMessage()


def test_cancel_keeps_committed_frames_and_the_next_run_resumes(qtbot, open_window):
    first, second = SlowNumbered(hold_at=30), NumberedPose()
    window = open_window(first, second)
    window.auto_annotate_clip()
    qtbot.waitUntil(lambda: 30 in first.detected, timeout=RUN_MS)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as cancelled:
        window.pose_runs.widget.cancel_button.click()
        first.gate.set()
    assert not cancelled.args[0]["finished"]
    assert "cancelled" in window.statusBar().currentMessage()
    done = track(window, model_layer("numbered")).frames.tolist()
    assert done and done == list(range(len(done))) and len(done) < FRAMES
    assert track(window).frames.tolist() == done, "the working layer holds the committed frames"
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as resumed:
        window.auto_annotate_clip()
    assert resumed.args[0]["finished"]
    assert second.detected == list(range(done[-1] + 1, FRAMES)), "the second run starts after the kept frames"
    assert track(window).frames.tolist() == list(range(FRAMES))


def test_rerun_on_frames_keeps_the_manual_joint(qtbot, open_window):
    full, again, one = NumberedPose(), NumberedPose(), NumberedPose()
    window = open_window(full, again, one)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS):
        window.auto_annotate_clip()
    x, y = athlete_keypoints(20)[3, :2]
    assert window.undo_stack.push_edit(set_keypoints(1, 20, {3: (x + 6, y)}, schema="mpii16"))
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as rerun:
        assert window.rerun_model_on_frames(15, 25)
    assert rerun.args[0]["finished"] and again.detected == list(range(15, 26))
    working = track(window)
    assert working.source[20, 3] == JointSource.MANUAL
    assert working.keypoints[20, 3, 0] == pytest.approx(x + 6)
    np.testing.assert_allclose(working.keypoints[18, 4], athlete_keypoints(18)[4], atol=1e-4)
    window.pane.player.seek(33)
    wait_for_frame(qtbot, window, 33)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS):
        window.pose_actions[1].trigger()  # Re-run Model on This Frame
    assert one.detected == [33]


def test_failure_is_reported_in_one_line(qtbot, open_window):
    window = open_window(NumberedPose(missing=set(range(FRAMES)), spectator=False))
    with qtbot.waitSignal(window.pose_runs.runFailed, timeout=RUN_MS):
        window.auto_annotate_clip()
    (title, message), = window.reporter.shown
    assert title == "Auto-Annotate" and "no person was found" in message and "\n" not in message
    assert not window.pose_runs.is_running() and not window.pose_runs.widget.isVisible()
    assert track(window).frames.size == 0


def test_closing_the_window_cancels_and_joins_the_run(qtbot, open_window):
    backend = SlowNumbered(hold_at=5)
    window = open_window(backend)
    window.auto_annotate_clip()
    qtbot.waitUntil(lambda: 5 in backend.detected, timeout=RUN_MS)
    worker = window.pose_runs.worker
    threading.Timer(0.2, backend.gate.set).start()  # the model finishes its frame a little later
    window.close()
    assert not worker.is_running() and window.pose_runs.worker is None


def test_frame_range_dialog_defaults_to_the_playhead_plus_minus_ten(qtbot):
    from app.ui.pose_dialog import FrameRangeDialog, default_range

    assert default_range(60, 30) == (20, 40)
    assert default_range(60, 3) == (0, 13) and default_range(60, 59) == (49, 59)
    dialog = FrameRangeDialog(60, 30)
    qtbot.addWidget(dialog)
    assert dialog.frame_range() == (20, 40)
    dialog.first.setValue(50)
    assert dialog.frame_range() == (50, 50), "first never passes last"


def test_auto_annotate_after_a_range_alone_covers_the_frames_before_it(qtbot, open_window):
    ranged, full = NumberedPose(), NumberedPose()
    window = open_window(ranged, full)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS):
        window.rerun_model_on_frames(40, 45)
    assert ranged.detected == list(range(40, 46))
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS):
        window.auto_annotate_clip()
    assert full.detected[0] == 0
    assert track(window, model_layer("numbered")).frames.tolist() == list(range(FRAMES))


def test_frames_the_video_cannot_decode_are_named_in_the_status_bar(qtbot, make_window, tmp_path):
    folder = tmp_path / "damaged"
    with Project.create(folder) as project:
        project.add_video(write_damaged_frames_video(tmp_path / "damaged.avi", (12,), frames=30))
    window = make_window(pose_options=OPTIONS, pose_backend=NumberedPose)
    assert window.open_project(folder)
    window.select_clip(1)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as done:
        window.auto_annotate_clip()
    assert done.args[0]["finished"] and done.args[0]["undecodable_frames"] == [12]
    message = window.statusBar().currentMessage()
    assert "done" in message and "1 frame(s) cannot be decoded (12)" in message
    assert track(window, model_layer("numbered")).frames.tolist() == list(range(30))
