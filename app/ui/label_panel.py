"""The label panel: a clip's expert labels, typed fast, checked as typed, stored one edit per field.

Every field commits when editing finishes (Enter or focus out): one edit through `apply_edit`,
nothing stored when the value is refused (the reason is shown in the panel). The panel keeps no
copy of the labels: it reads the store when the clip changes or the store announces a change,
and only a field the user is typing in (modified, not yet committed) is left alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.action_labels import disagreement
from app.assessment.stored import latest_assessment
from app.edits import Edit, set_clip_fields, set_clip_labels
from app.edits.validation import SKILL_LEVELS, check_clip_fields, check_labels
from app.errors import EditError, ProjectError
from app.store import queries
from app.store.events import ClipsChanged, LabelsChanged
from app.store.records import ClipLabels, ClipRecord
from app.ui.annotator_dialog import ask_annotator_name, clean_annotator_name, remember_annotator
from inference.sports.diving import check_mark, judged_score, parse_dive_number

# The five skill dimensions of METHODS §4 (stored as dimension_scores {key: value in [0, 1]}).
DIMENSIONS = (
    ("temporal_precision", "Temporal precision"),
    ("spatial_accuracy", "Spatial accuracy"),
    ("movement_smoothness", "Movement smoothness"),
    ("completeness", "Completeness"),
    ("energy_efficiency", "Energy efficiency"),
)
NO_LEVEL = "—"
ERROR_COLOR, WARN_COLOR, OK_COLOR, HINT_COLOR = "#c62828", "#b26a00", "#2e7d32", "#6b6b6b"
AskAnnotator = Callable[[QWidget | None, Sequence[str]], str | None]


def parse_number(text: str, what: str) -> float | None:
    """None for an empty field; a finite number (a decimal comma is accepted) or ValueError."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text!r}.") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {text!r}.")
    return value


def parse_marks(text: str) -> list[float] | None:
    """Judge marks typed as one line ("7.5 8 8 7.5 8 8.5 8", commas or semicolons also separate)."""
    parts = text.replace(",", " ").replace(";", " ").split()
    if not parts:
        return None
    marks = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"A judge mark must be a number, not {part!r}.") from None
        marks.append(float(check_mark(value)))
    return marks


def _fmt(value: float | None, spec: str = "g") -> str:
    return "" if value is None else format(value, spec)


def _colored(label: QLabel, text: str, color: str | None) -> None:
    """Show `text` in `color` (None: the palette's text colour); an empty text hides the label."""
    label.setText(text)
    label.setStyleSheet(f"color: {color};" if color else "")
    label.setVisible(bool(text))


class _FocusOut(QObject):
    """Calls `callback` when the watched widget loses focus (QPlainTextEdit has no editingFinished)."""

    def __init__(self, parent: QObject, callback: Callable[[], None]) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            self._callback()
        return False


class LabelPanel(QWidget):
    # Store events may come from any thread; the relay queues them onto the GUI thread.
    _store_changed = Signal(int)

    def __init__(self, project, apply_edit: Callable[[Edit], Any], *,
                 ask_annotator: AskAnnotator = ask_annotator_name, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPanel")
        self._project = project
        self._apply_edit = apply_edit
        self._ask_annotator = ask_annotator
        self._clip_id: int | None = None
        self._build()
        self._store_changed.connect(self._on_store_changed)
        self._unsubscribe: list[Callable[[], None]] = []
        self._subscribe()
        # Also when the widget is deleted without being closed (a child of a closing window).
        unsubscribe = self._unsubscribe
        self.destroyed.connect(lambda *_: [u() for u in unsubscribe])
        self.set_clip(None)

    def _subscribe(self) -> None:
        if self._unsubscribe:
            return
        relay = self._store_changed.emit
        self._unsubscribe += [
            self._project.events.subscribe(LabelsChanged, lambda e: relay(e.clip_id)),
            self._project.events.subscribe(ClipsChanged, lambda e: [relay(c) for c in e.clip_ids]),
        ]

    # --- building ------------------------------------------------------------------------
    def _line(self, name: str, placeholder: str, commit: Callable[[], None],
              live: Callable[[], None] | None = None) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(False)
        edit.editingFinished.connect(commit)
        if live is not None:
            edit.textEdited.connect(lambda _text: live())
        return edit

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("clipTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)

        self.annotator_label = QLabel()
        self.annotator_label.setObjectName("annotator")
        self.change_annotator = QToolButton()
        self.change_annotator.setText("Change…")
        self.change_annotator.setToolTip("Label as another annotator")
        self.change_annotator.clicked.connect(self._choose_annotator)
        who = QHBoxLayout()
        who.setContentsMargins(0, 0, 0, 0)
        who.addWidget(self.annotator_label, 1)
        who.addWidget(self.change_annotator)

        self.dive_number = self._line("diveNumber", "e.g. 407C", self._commit_dive_number, self._show_dive)
        self.dive_explanation = QLabel()
        self.dive_explanation.setObjectName("diveExplanation")
        self.dive_explanation.setWordWrap(True)
        self.recognised = QLabel()
        self.recognised.setObjectName("recognisedAction")
        self.recognised.setWordWrap(True)
        self.recognised.setTextFormat(Qt.TextFormat.RichText)
        self.use_recognised = QToolButton()
        self.use_recognised.setObjectName("useRecognised")
        self.use_recognised.setToolTip("Type the recognised dive number (one edit; Ctrl+Z undoes it)")
        self.use_recognised.clicked.connect(self._use_recognised)
        self._recognised_label: tuple[str, str] | None = None  # (field, value) the button types
        self.difficulty = self._line("difficulty", "degree of difficulty, e.g. 3.2", self._commit_difficulty,
                                     self._show_rule_check)
        self.judge_marks = self._line("judgeMarks", "e.g. 7.5 8 8 7.5 8 8.5 8", self._commit_marks,
                                      self._show_rule_check)
        self.judge_marks.setToolTip("5 or 7 marks (synchro: 3 + 3 execution, 5 synchronisation), "
                                    "0 to 10 in half points, separated by spaces")
        self.computed_total = QLabel()
        self.computed_total.setObjectName("computedTotal")
        self.computed_total.setWordWrap(True)
        self.overall_score = self._line("overallScore", "e.g. 76.80", self._commit_score, self._show_rule_check)
        self.score_check = QLabel()
        self.score_check.setObjectName("scoreCheck")
        self.score_check.setWordWrap(True)

        self.skill_level = QComboBox()
        self.skill_level.setObjectName("skillLevel")
        self.skill_level.addItems([NO_LEVEL, *SKILL_LEVELS])
        self.skill_level.activated.connect(lambda _i: self._commit_skill())

        self.dimensions: dict[str, QLineEdit] = {}
        dims_box = QGroupBox("Skill dimensions (0–1)")
        dims_form = QFormLayout(dims_box)
        for key, title in DIMENSIONS:
            self.dimensions[key] = self._line(f"dim_{key}", "0–1", self._commit_dimensions)
            dims_form.addRow(title, self.dimensions[key])

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("Notes (stored when you leave the field)")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(72)
        self.notes.installEventFilter(_FocusOut(self, self._commit_notes))

        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.other_labels = QLabel()
        self.other_labels.setObjectName("otherLabels")
        self.other_labels.setWordWrap(True)
        self.other_labels.setStyleSheet(f"color: {HINT_COLOR};")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Dive", self.dive_number)
        form.addRow("", self.dive_explanation)
        form.addRow("Recognised", self.recognised)
        form.addRow("", self.use_recognised)
        form.addRow("DD", self.difficulty)
        form.addRow("Marks", self.judge_marks)
        form.addRow("Marks × DD", self.computed_total)
        form.addRow("Score", self.overall_score)
        form.addRow("", self.score_check)
        form.addRow("Level", self.skill_level)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(who)
        layout.addLayout(form)
        layout.addWidget(dims_box)
        layout.addWidget(self.notes)
        layout.addWidget(self.message)
        layout.addWidget(self.other_labels)
        layout.addStretch(1)
        self._inputs: list[QWidget] = [self.dive_number, self.difficulty, self.judge_marks, self.overall_score,
                                       self.skill_level, *self.dimensions.values(), self.notes]

    # --- observing the store ---------------------------------------------------------------
    @property
    def clip_id(self) -> int | None:
        return self._clip_id

    def set_clip(self, clip_id: int | None) -> None:
        """Show (and edit) the labels of this clip; None empties and disables the panel."""
        if clip_id != self._clip_id:
            for edit in (self.dive_number, self.difficulty, self.judge_marks, self.overall_score,
                         *self.dimensions.values()):
                edit.setModified(False)  # typing in another clip's field is not kept
            self.notes.document().setModified(False)
            self._show_message("")
        self._clip_id = clip_id
        self._reload()

    def detach(self) -> None:
        """Stop observing the project (called on close; safe to call twice)."""
        while self._unsubscribe:
            self._unsubscribe.pop()()

    def closeEvent(self, event) -> None:
        self.detach()
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        if not self._unsubscribe:  # shown again after a close: observe and catch up
            self._subscribe()
            self._reload()
        super().showEvent(event)

    def _on_store_changed(self, clip_id: int) -> None:
        if clip_id == self._clip_id:
            self._reload()

    def _read(self) -> tuple[ClipRecord, list[ClipLabels]] | None:
        if self._clip_id is None:
            return None
        with self._project.store.reading() as session:
            try:
                clip = queries.get_clip(session, self._clip_id)
            except ProjectError:
                return None
            return clip, queries.clip_labels(session, self._clip_id)

    def _annotator(self) -> str | None:
        return self._project.setting("annotator") or None

    def _my_labels(self) -> ClipLabels | None:
        data = self._read()
        annotator = self._annotator()
        if data is None or annotator is None:
            return None
        return next((row for row in data[1] if row.annotator == annotator), None)

    def _reload(self) -> None:
        data = self._read()
        for widget in self._inputs:
            widget.setEnabled(data is not None)
        annotator = self._annotator()
        self.annotator_label.setText(f"Annotator: {annotator}" if annotator
                                     else "Annotator: not set yet (asked at your first label)")
        if data is None:
            self.title.setText("No clip selected")
            clip, mine, others = None, None, []
        else:
            clip, rows = data
            self.title.setText(clip.name)
            mine = next((row for row in rows if annotator and row.annotator == annotator), None)
            others = [row for row in rows if row is not mine]
        difficulty = clip.difficulty if clip and clip.difficulty is not None else (mine.difficulty if mine else None)
        self._set_text(self.dive_number, clip.dive_number if clip else None)
        self._set_text(self.difficulty, _fmt(difficulty))
        self._set_text(self.judge_marks, " ".join(_fmt(m) for m in mine.judge_marks)
                       if mine and mine.judge_marks else "")
        self._set_text(self.overall_score, _fmt(mine.overall_score if mine else None, ".2f"))
        self.skill_level.setCurrentText(mine.skill_level if mine and mine.skill_level else NO_LEVEL)
        dims = mine.dimension_scores if mine else {}
        for key, edit in self.dimensions.items():
            self._set_text(edit, _fmt(dims.get(key)))
        if not self.notes.document().isModified():
            self.notes.setPlainText(mine.notes or "" if mine else "")
            self.notes.document().setModified(False)
        self.other_labels.setText("Also labelled by: " + "; ".join(
            f"{row.annotator or '(no name)'}" + (f" {row.overall_score:.2f}" if row.overall_score is not None else "")
            for row in others) if others else "")
        self.other_labels.setVisible(bool(others))
        self._show_dive()
        self._show_recognised(clip)
        self._show_rule_check()

    @staticmethod
    def _set_text(edit: QLineEdit, text: str | None) -> None:
        if not edit.isModified():  # never overwrite what the user is typing
            edit.setText(text or "")
            edit.setModified(False)

    # --- live feedback while typing -------------------------------------------------------
    def _show_dive(self) -> None:
        text = self.dive_number.text().strip()
        if not text:
            _colored(self.dive_explanation, "", HINT_COLOR)
            self.dive_number.setStyleSheet("")
            return
        try:
            dive = parse_dive_number(text)
        except ValueError as exc:
            _colored(self.dive_explanation, str(exc), ERROR_COLOR)
            self.dive_number.setStyleSheet(f"color: {ERROR_COLOR};")
            return
        _colored(self.dive_explanation, dive.description, HINT_COLOR)
        self.dive_number.setStyleSheet("")

    def _show_recognised(self, clip: ClipRecord | None) -> None:
        """What the newest analysis recognised, beside the typed label: agreeing, confidently
        disagreeing (with how), or unsure; the button types it in."""
        self._recognised_label = None
        self.use_recognised.setVisible(False)
        stored = latest_assessment(self._project, clip.id) if clip is not None else None
        action = (stored or {}).get("action")
        if clip is None or not action:
            _colored(self.recognised, "— (Analyze recognises the dive from the poses)" if clip else "", HINT_COLOR)
            return
        if not action.get("label"):
            guess = f" (best guess {action['guess']})" if action.get("guess") else ""
            _colored(self.recognised, f"unsure{guess}: {action.get('unsure') or 'the poses are too poor'}",
                     HINT_COLOR)
            return
        label, source = action["label"], action.get("source")
        typed = clip.dive_number or clip.action
        said = (f"<b>{label}</b> <span style='color: {HINT_COLOR};'>{action.get('description') or ''}, "
                f"confidence {action.get('confidence', 0.0):.2f} ({source})</span>")
        against = disagreement(typed, action)
        if typed and typed == label:
            verdict, color = "✓ agrees with the typed label", OK_COLOR
        elif against is not None:
            verdict, color = f"⚠ {against.message}", WARN_COLOR
        elif typed:
            verdict, color = "differs from the typed label where the reading is unsure", HINT_COLOR
        else:
            verdict, color = "nothing typed yet", HINT_COLOR
        _colored(self.recognised, f"{said}<br><span style='color: {color};'>{verdict}</span>", None)
        if typed != label:
            self._recognised_label = ("dive_number" if source == "dive reading" else "action", label)
            self.use_recognised.setText(f"Use {label}")
            self.use_recognised.setVisible(True)
            self.use_recognised.setEnabled(self.dive_number.isEnabled())

    def _use_recognised(self) -> None:
        if self._recognised_label is None or self._clip_id is None:
            return
        field, value = self._recognised_label
        what = f"the recognised {'dive number' if field == 'dive_number' else 'action'} {value}"
        self.dive_number.setModified(False)
        self._apply(set_clip_fields(self._clip_id, **{field: value}), what)

    def _is_synchro(self, marks: list[float]) -> bool:
        data = self._read()
        event = (data[0].event or "") if data else ""
        return len(marks) == 11 or "synchro" in event.lower()

    def _show_rule_check(self) -> None:
        """The total the marks give and whether the entered score agrees (a warning, never a block)."""
        _colored(self.score_check, "", HINT_COLOR)
        try:
            marks = parse_marks(self.judge_marks.text())
            dd = parse_number(self.difficulty.text(), "The difficulty")
        except ValueError as exc:
            _colored(self.computed_total, str(exc), ERROR_COLOR)
            return
        if marks is None or dd is None:
            _colored(self.computed_total, "— (enter the marks and the DD)", HINT_COLOR)
            return
        try:
            result = judged_score(marks, dd, synchro=self._is_synchro(marks))
        except ValueError as exc:
            _colored(self.computed_total, str(exc), ERROR_COLOR)
            return
        counted = " + ".join(_fmt(m) for m in result.counted_marks)
        factor = " × 0.6" if self._is_synchro(marks) else ""
        _colored(self.computed_total, f"<b>{result.total:.2f}</b> <span style='color: {HINT_COLOR};'>= "
                 f"({counted}) × {dd:g}{factor}<br><small>{result.rule.split(':')[0]}</small></span>", None)
        try:
            score = parse_number(self.overall_score.text(), "The score")
        except ValueError:
            return
        if score is None:
            return
        if abs(score - result.total) > 0.01 + 1e-9:
            _colored(self.score_check, f"⚠ The score {score:.2f} disagrees with marks × DD = {result.total:.2f}.",
                     WARN_COLOR)
        else:
            _colored(self.score_check, "✓ agrees with marks × DD", OK_COLOR)

    def _show_message(self, text: str, color: str = ERROR_COLOR) -> None:
        _colored(self.message, text, color)

    # --- committing ---------------------------------------------------------------------------
    def _apply(self, edit: Edit, what: str) -> bool:
        try:
            self._apply_edit(edit)
        except EditError as exc:
            self._show_message(str(exc))
            return False
        self._show_message(f"Stored {what}.", HINT_COLOR)
        return True

    def _refuse(self, text: str) -> None:
        self._show_message(f"{text} Nothing was stored.")

    def _ensure_annotator(self) -> str | None:
        annotator = self._annotator()
        if annotator:
            return annotator
        name = clean_annotator_name(self._ask_annotator(self, list(self._project.setting("annotators") or [])))
        if name is None:
            return None
        remember_annotator(self._project, name)
        self._reload()
        return name

    def _choose_annotator(self) -> None:
        name = clean_annotator_name(self._ask_annotator(self, list(self._project.setting("annotators") or [])))
        if name is not None:
            remember_annotator(self._project, name)
            self._reload()

    def _commit_clip_field(self, edit: QLineEdit, field: str, value: Any, what: str) -> None:
        data = self._read()
        if data is None:
            return
        try:
            check_clip_fields({field: value})
        except EditError as exc:
            self._refuse(str(exc))
            return
        if getattr(data[0], field) == value:
            edit.setModified(False)
            return
        if self._apply(set_clip_fields(data[0].id, **{field: value}), what):
            edit.setModified(False)
            self._reload()

    def _commit_dive_number(self) -> None:
        text = self.dive_number.text().strip()
        try:
            code = parse_dive_number(text).code if text else None
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._commit_clip_field(self.dive_number, "dive_number", code, f"dive number {code or '(none)'}")

    def _commit_difficulty(self) -> None:
        try:
            dd = parse_number(self.difficulty.text(), "The difficulty")
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._commit_clip_field(self.difficulty, "difficulty", dd, f"DD {_fmt(dd) or '(none)'}")

    def _commit_label(self, field: str, value: Any, what: str, edits: Sequence[QLineEdit] = ()) -> bool:
        """Store one label field of the current annotator; True when stored (or already so)."""
        if self._read() is None:
            return False
        try:
            check_labels({field: value})
        except EditError as exc:
            self._refuse(str(exc))
            return False
        mine = self._my_labels()
        stored = getattr(mine, field) if mine else None
        if field == "judge_marks" and stored is not None:
            stored = list(stored)
        if field == "dimension_scores" and not stored:
            stored = None
        if stored != value:
            annotator = self._ensure_annotator()
            if annotator is None:
                self._refuse("Labels are stored under an annotator's name, and none was given.")
                return False
            if not self._apply(set_clip_labels(self._clip_id, annotator, **{field: value}), what):
                return False
        for edit in edits:
            edit.setModified(False)
        self._reload()
        return True

    def _commit_score(self) -> None:
        try:
            score = parse_number(self.overall_score.text(), "The overall score")
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._commit_label("overall_score", score, "the score", [self.overall_score])

    def _commit_marks(self) -> None:
        try:
            marks = parse_marks(self.judge_marks.text())
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._commit_label("judge_marks", marks, "the judge marks", [self.judge_marks])

    def _commit_skill(self) -> None:
        level = self.skill_level.currentText()
        self._commit_label("skill_level", None if level == NO_LEVEL else level, "the skill level")

    def _commit_dimensions(self) -> None:
        values: dict[str, float] = {}
        for key, title in DIMENSIONS:
            try:
                value = parse_number(self.dimensions[key].text(), f"The {title.lower()} score")
            except ValueError as exc:
                self._refuse(str(exc))
                return
            if value is not None:
                if not 0 <= value <= 1:
                    self._refuse(f"The {title.lower()} score must lie in [0, 1], not {value:g}.")
                    return
                values[key] = value
        self._commit_label("dimension_scores", values or None, "the dimension scores",
                           list(self.dimensions.values()))

    def _commit_notes(self) -> None:
        if not self.notes.document().isModified():
            return
        text = self.notes.toPlainText().strip() or None
        if self._commit_label("notes", text, "the notes"):
            self.notes.document().setModified(False)
            self._reload()
