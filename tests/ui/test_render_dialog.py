"""File ▸ Render Video…: the clip beside its exemplar or alone, in the background, with progress
and Cancel; a cancelled or failed render leaves no file."""

from __future__ import annotations

import av

from tests.ui.test_side_by_side import two_videos  # noqa: F401  (fixture)


def frames_of(path) -> list:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_render_beside_the_exemplar_from_the_menu(qtbot, make_window, two_videos, tmp_path):  # noqa: F811
    folder, _, _ = two_videos
    window = make_window()
    assert window.open_project(folder)
    window.select_clip(1)
    window.render_video_action.trigger()
    dialog = window.render_dialog
    assert dialog.beside.isChecked() and "aligned stage by stage" in dialog.beside.text()
    assert not dialog.blur.isEnabled()  # blurring is for the clip alone
    out = tmp_path / "out" / "beside.mp4"
    with qtbot.waitSignal(dialog.rendered, timeout=60_000) as written:
        assert dialog.start(str(out))
        assert not dialog.render_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert written.args == [str(out)]
    frames = frames_of(out)
    clip = window.project.clip(1)
    assert len(frames) == clip.frame_count and frames[0].shape[1] == 2 * clip.width
    assert dialog.bar.value() == dialog.bar.maximum() == clip.frame_count
    assert dialog.render_button.isEnabled() and "Written to" in dialog.message.text()

    dialog.beside.setChecked(False)  # the clip alone
    assert dialog.blur.isEnabled() and not dialog.overlay.isEnabled()
    alone = tmp_path / "alone.mp4"
    with qtbot.waitSignal(dialog.rendered, timeout=60_000):
        dialog.start(str(alone))
    assert frames_of(alone)[0].shape[1] == clip.width


def test_cancel_and_a_bad_file_leave_nothing(qtbot, make_window, two_videos, tmp_path):  # noqa: F811
    folder, _, _ = two_videos
    window = make_window()
    assert window.open_project(folder)
    window.select_clip(1)
    dialog = window.render_video()
    target = tmp_path / "renders"
    target.mkdir()
    with qtbot.waitSignal(dialog.ended, timeout=60_000) as ended:
        assert dialog.start(str(target / "x.mp4"))
        dialog.cancel()
    assert ended.args == ["Cancelled; nothing was written."]
    assert list(target.iterdir()) == []
    with qtbot.waitSignal(dialog.ended, timeout=60_000) as ended:
        dialog.start(str(target / "x.avi"))
    assert ended.args[0].startswith("Not rendered: x.avi") and "\n" not in ended.args[0]
    assert list(target.iterdir()) == [] and dialog.render_button.isEnabled()
    assert window.statusBar().currentMessage() == ended.args[0]


def test_without_a_clip_the_menu_says_what_to_do(make_window, qtbot):
    window = make_window()
    assert window.render_video() is None
    assert window.reporter.shown[-1] == ("Render Video", "Open a project and select a clip first.")
