"""Pose ▸ Auto-Annotation Settings…: the dialog's answer, its refusals, the choices kept in the
settings, and Auto-Annotate Clip running with them over a real project and a real decoded video
(the network replaced by NumberedPose, which reports an athlete and a static spectator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.auto_annotate import PoseOptions, model_layer
from app.store import queries
from app.store.models import WORKING_LAYER
from app.ui.pose_options_dialog import (NO_BOX_HINT, PoseChoices, PoseOptionsDialog, drawn_athlete_box,
                                        load_pose_options)
from app.ui.pose_worker import PoseWorker
from app.ui.settings import AppSettings
from inference.pose.tracking import StartBox
from tests.helpers.numbered_pose import JOINTS, NumberedPose, athlete_keypoints
from tests.ui.conftest import FRAMES, wait_for_frame

RUN_MS = 10_000
SPECTATOR_BOX = (4.0, 168.0, 14.0, 187.0)  # snug around NumberedPose's spectator, in video pixels


@pytest.fixture(autouse=True)
def no_leaked_pose_threads():
    yield
    QApplication.processEvents()
    assert PoseWorker.running() == [], "a pose thread outlived its window"


@pytest.fixture
def onnx_file(tmp_path: Path) -> Path:
    path = tmp_path / "models" / "rtmpose.onnx"
    path.parent.mkdir()
    path.write_bytes(b"not read by the dialog")
    return path


def make_dialog(qtbot, initial=None, drawn=None, cuda=False, heavy=True) -> PoseOptionsDialog:
    dialog = PoseOptionsDialog(initial, drawn, cuda=cuda, heavy=heavy)
    qtbot.addWidget(dialog)
    return dialog


def ok_button(dialog: PoseOptionsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def select(combo, name: str) -> None:
    combo.setCurrentIndex(combo.findData(name))
    assert combo.currentData() == name


def answer_dialog(qtbot, fill) -> list[PoseOptionsDialog]:
    """When the settings dialog opens (modal), ``fill`` sets its widgets, then OK is clicked."""
    seen: list[PoseOptionsDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PoseOptionsDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog)
        fill(dialog)
        ok_button(dialog).click()

    QTimer.singleShot(0, answer)
    return seen


def track(window, layer=WORKING_LAYER):
    with window.project.store.reading() as session:
        return queries.pose_track(session, 1, layer)


# --- the dialog ------------------------------------------------------------------------------

def test_the_dialog_returns_the_options_its_widgets_show(qtbot, onnx_file, tmp_path):
    dialog = make_dialog(qtbot)
    assert dialog.windowTitle() == "Auto-annotation settings"
    assert [dialog.backend.itemText(i) for i in range(dialog.backend.count())] == [
        "Bundled MediaPipe model", "ONNX model file…", "This project's fine-tuned model",
        "mmpose config + checkpoint"]
    assert dialog.options() == PoseOptions(), "the defaults are plumb pose's defaults"

    select(dialog.backend, "onnx")
    dialog.onnx_file.edit.setText(str(onnx_file))
    select(dialog.schema, "coco17")
    select(dialog.device, "cpu")
    dialog.smooth.setValue(1.5)
    dialog.max_gap.setValue(6)
    dialog.rerun.setChecked(True)
    assert dialog.options() == PoseOptions(backend="onnx", model=str(onnx_file), schema="coco17", device="cpu",
                                           smooth=1.5, max_gap=6, rerun=True)
    assert ok_button(dialog).isEnabled()

    config, checkpoint = tmp_path / "rtm.py", tmp_path / "rtm.pth"
    config.write_text("model = dict()")
    checkpoint.write_bytes(b"weights")
    select(dialog.backend, "mmpose")
    dialog.config_file.edit.setText(str(config))
    dialog.checkpoint_file.edit.setText(str(checkpoint))
    dialog.max_gap.setValue(0)  # "Automatic": a third of a second, as plumb pose without --max-gap
    options = dialog.options()
    assert (options.backend, options.model, options.config, options.max_gap) == (
        "mmpose", str(checkpoint), str(config), None)

    select(dialog.backend, "project")
    options = dialog.options()
    assert (options.backend, options.model, options.config) == ("project", None, None)
    assert ok_button(dialog).isEnabled(), "the project's model needs no file"
    assert dialog.onnx_file.isHidden() and dialog.config_file.isHidden() and dialog.checkpoint_file.isHidden()


def test_ok_is_disabled_while_the_model_file_is_missing_and_says_why(qtbot, onnx_file):
    dialog = make_dialog(qtbot)
    assert ok_button(dialog).isEnabled() and dialog.onnx_file.isHidden()
    select(dialog.backend, "onnx")
    assert not dialog.onnx_file.isHidden() and dialog.checkpoint_file.isHidden()
    assert not ok_button(dialog).isEnabled()
    assert not dialog.reason.isHidden() and dialog.reason.text() == "Choose the ONNX model file (.onnx)."
    dialog.onnx_file.edit.setText(str(onnx_file.with_name("gone.onnx")))
    assert not ok_button(dialog).isEnabled() and "There is no file at" in dialog.reason.text()
    dialog.onnx_file.edit.setText(str(onnx_file))
    assert ok_button(dialog).isEnabled() and dialog.reason.isHidden()

    select(dialog.backend, "mmpose")  # the ONNX file is not a checkpoint
    assert not ok_button(dialog).isEnabled() and dialog.reason.text() == "Choose the mmpose config (.py)."
    select(dialog.backend, "mediapipe")
    assert ok_button(dialog).isEnabled()


@pytest.mark.parametrize(("field", "value", "hint"), [
    ("device", "cuda", "no usable CUDA GPU"), ("landmarks", "heavy", "packaging/setup.sh")])
def test_what_this_machine_lacks_is_greyed_out_with_the_reason(qtbot, field, value, hint):
    """A CUDA GPU, the heavy landmark network: offered only where present."""
    remembered = PoseOptions(**{field: value})
    for present in (False, True):
        dialog = make_dialog(qtbot, remembered, **{value: present})
        combo = getattr(dialog, field)
        item = combo.model().item(combo.findData(value))
        assert item.isEnabled() is present
        assert (hint in item.toolTip()) is not present
        # a remembered choice falls back to automatic where it is absent
        assert getattr(dialog.options(), field) == (value if present else "auto")


def test_the_landmark_network_is_chosen_for_the_bundled_model_only(qtbot):
    with_heavy = make_dialog(qtbot, PoseOptions(landmarks="heavy"), heavy=True)
    select(with_heavy.landmarks, "full")
    assert with_heavy.options() == PoseOptions(landmarks="full")
    select(with_heavy.backend, "onnx")
    assert with_heavy.landmarks.isHidden(), "only the bundled MediaPipe model reads with it"


def test_without_a_drawn_box_the_model_chooses_the_athlete(qtbot):
    dialog = make_dialog(qtbot, PoseOptions(start=StartBox(3, (1.0, 2.0, 3.0, 4.0))))
    assert not dialog.athlete_drawn.isEnabled() and dialog.athlete_auto.isChecked()
    assert dialog.athlete_hint.text() == NO_BOX_HINT and dialog.athlete_drawn.toolTip() == NO_BOX_HINT
    assert dialog.options().start is None


# --- the choices kept ------------------------------------------------------------------------

def test_choices_are_remembered_across_dialogs_and_runs_of_the_app(qtbot, onnx_file, settings_path):
    first = PoseChoices(AppSettings(settings_path))
    dialog = make_dialog(qtbot, first.options(1), drawn=StartBox(4, (1.0, 2.0, 30.0, 40.0)))
    select(dialog.backend, "onnx")
    dialog.onnx_file.edit.setText(str(onnx_file))
    select(dialog.schema, "mp33")
    select(dialog.device, "cpu")
    select(dialog.landmarks, "full")
    dialog.smooth.setValue(2.0)
    dialog.max_gap.setValue(9)
    dialog.rerun.setChecked(True)
    dialog.athlete_drawn.setChecked(True)
    first.choose(dialog.options(), clip_id=1)

    kept = PoseOptions(backend="onnx", model=str(onnx_file), schema="mp33", device="cpu", smooth=2.0, max_gap=9,
                       landmarks="full")
    later = PoseChoices(AppSettings(settings_path))  # a new window, after a restart
    assert later.options(1) == kept, "the athlete box and the one-off re-run are not kept past the session"
    again = make_dialog(qtbot, later.options(1))
    assert again.options() == kept
    assert again.onnx_file.edit.text() == str(onnx_file) and again.schema.currentText() == "MediaPipe-33"
    assert again.max_gap.value() == 9 and again.smooth.value() == 2.0 and again.device.currentData() == "cpu"

    # In the session: the box belongs to its clip; re-run waits for the next clip run.
    assert first.options(1).start == StartBox(4, (1.0, 2.0, 30.0, 40.0)) and first.options(1).rerun
    assert first.options(2).start is None


def test_settings_written_by_hand_or_by_an_older_plumb_fall_back_to_the_defaults(settings_path):
    settings = AppSettings(settings_path)
    default = PoseOptions(backend="numbered", max_gap=4)
    assert load_pose_options(settings, default) == default, "nothing saved yet: the window's default"
    for key, value in (("backend", "openpose"), ("schema", "body25"), ("device", "tpu"), ("smooth", "lots"),
                       ("max_gap", ""), ("landmarks", "huge")):
        settings._qsettings.setValue(f"pose/{key}", value)
    assert load_pose_options(settings, default) == PoseOptions(backend="numbered", max_gap=None)


# --- the window ------------------------------------------------------------------------------

@pytest.fixture
def open_window(make_window, project_dir):
    def make(*backends: NumberedPose, **kwargs):
        queue = list(backends)
        if backends:
            kwargs["pose_backend"] = lambda: queue.pop(0)
        window = make_window(pose_options=PoseOptions(backend="numbered"), **kwargs)
        assert window.open_project(project_dir)
        window.select_clip(1)
        return window
    return make


def test_the_drawn_box_becomes_the_start_box_of_its_frame(qtbot, open_window):
    window = open_window()
    window.pane.player.seek(7)
    wait_for_frame(qtbot, window, 7)
    assert drawn_athlete_box(window.editor) is None
    assert window.editor.set_box(SPECTATOR_BOX)
    qtbot.waitUntil(lambda: drawn_athlete_box(window.editor) is not None)
    drawn = drawn_athlete_box(window.editor)
    assert drawn == StartBox(7, SPECTATOR_BOX)
    assert window.editor.box.box() == SPECTATOR_BOX, "the box on the canvas is the one used"

    seen = answer_dialog(qtbot, lambda dialog: dialog.athlete_drawn.setChecked(True))
    window.pose_settings_action.trigger()  # Pose ▸ Auto-Annotation Settings…
    chosen = window.pose_choices.options(1)
    (dialog,) = seen
    assert dialog.athlete_drawn.isEnabled() and dialog.athlete_drawn.text() == "Use the box drawn on frame 7"
    assert chosen.start == StartBox(7, SPECTATOR_BOX)


def test_auto_annotate_clip_runs_with_the_chosen_options(qtbot, open_window):
    first, second = NumberedPose(), NumberedPose()
    window = open_window(first, second)
    wait_for_frame(qtbot, window, 0)
    assert window.editor.set_box(SPECTATOR_BOX)  # the annotator points at the spectator on frame 0
    qtbot.waitUntil(lambda: drawn_athlete_box(window.editor) is not None)

    def fill(dialog: PoseOptionsDialog) -> None:
        select(dialog.device, "cpu")
        dialog.max_gap.setValue(5)
        dialog.smooth.setValue(0.0)
        dialog.athlete_drawn.setChecked(True)
        dialog.rerun.setChecked(True)

    answer_dialog(qtbot, fill)
    window.pose_settings_action.trigger()  # Pose ▸ Auto-Annotation Settings…
    expected = PoseOptions(backend="mediapipe", device="cpu", max_gap=5, start=StartBox(0, SPECTATOR_BOX),
                           rerun=True)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS) as done:
        window.pose_actions[0].trigger()  # Pose ▸ Auto-Annotate Clip
        assert window.pose_runs.worker.options == expected
    assert done.args[0]["finished"] and sorted(first.detected) == list(range(FRAMES))
    assert track(window, model_layer("mediapipe")).frames.tolist() == list(range(FRAMES))
    assert track(window, model_layer("numbered")).frames.size == 0, "the window's default model did not run"
    working = track(window)
    spectator = np.stack([5 + np.arange(JOINTS) * 0.5, 170 + np.arange(JOINTS)], axis=1)
    np.testing.assert_allclose(working.keypoints[40, :, :2], spectator, atol=1e-3)
    assert not np.allclose(working.keypoints[40, :, :2], athlete_keypoints(40)[:, :2], atol=5)

    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=RUN_MS):
        window.auto_annotate_clip()
        assert window.pose_runs.worker.options == PoseOptions(
            backend="mediapipe", device="cpu", max_gap=5, start=StartBox(0, SPECTATOR_BOX)), "re-run was one-off"
    assert second.detected == [], "nothing left to run: the second run resumed after the finished frames"


def test_the_projects_model_without_one_fails_with_the_reason_shown(qtbot, open_window):
    window = open_window()  # the real backends: nothing injected
    assert window.auto_annotation_settings(PoseOptions(backend="project")).backend == "project"
    with qtbot.waitSignal(window.pose_runs.runFailed, timeout=RUN_MS):
        assert window.auto_annotate_clip()
    (title, message), = window.reporter.shown
    assert title == "Auto-Annotate" and message and "\n" not in message
    assert not window.pose_runs.is_running() and not window.pose_runs.widget.isVisible()
    assert track(window).frames.size == 0
