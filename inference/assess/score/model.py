"""Training and prediction entry points of the score models (METHODS.md §3).

:func:`train_score_model` turns scored clips into a :class:`ScoreModel`, either the exemplar
contrastive regressor (:mod:`~inference.assess.score.contrastive`), the coarse-to-fine head
(:mod:`~inference.assess.score.coarse_fine`) or, with ``method="auto"``, whichever of the two
has the better validation SRCC. A saved model holds everything prediction needs, the
exemplar bank included, so a user can score clips from the file alone.

Grades: both methods report the band of the :class:`~inference.assess.score.coarse_fine.GradeScale`
(the training score range cut into ``num_grades``) that the predicted score falls in, so the
score and the grade shown to a coach never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from inference.assess.checkpoint import load_checkpoint, save_checkpoint
from inference.assess.metrics import srcc
from inference.assess.sample import ClipSample
from inference.assess.score.coarse_fine import (
    DEFAULT_GRADES, DEFAULT_SUBGRADES, CoarseFineScorer, GradeScale, coarse_fine_train_step,
)
from inference.assess.score.contrastive import (
    ATTENTION_HEADS, DEFAULT_CONTRASTIVE_WEIGHT, DEFAULT_EXEMPLARS, DEFAULT_TEMPERATURE, ExemplarBank,
    ExemplarScorer, choose_exemplars, contrastive_train_step, exemplar_votes,
)
from inference.assess.score.encoder import DEFAULT_DIM
from inference.assess.score.stage_tokens import (
    DEFAULT_FRAMES_PER_STAGE, FeatureStandardiser, clip_stage_features,
)
from inference.assess.training import EpochReport, TrainConfig, fit, pick_device, seed_everything

CHECKPOINT_KIND = "score"
METHODS = ("contrastive", "coarse_fine")
MIN_TRAIN_CLIPS = 12
VAL_SHARE = 0.2
# A constant prediction has no SRCC (nan); counting it as the worst possible value lets an
# early, still-flat epoch pass instead of stopping the run.
WORST_SRCC = -1.0

Transitions = Callable[[ClipSample], tuple[int, ...] | None]


@dataclass(frozen=True)
class ScoreSettings:
    """Model sizes and method settings (the training loop's are in ``TrainConfig``)."""

    dim: int = DEFAULT_DIM
    frames_per_stage: int = DEFAULT_FRAMES_PER_STAGE
    num_grades: int = DEFAULT_GRADES
    num_subgrades: int = DEFAULT_SUBGRADES
    num_exemplars: int = DEFAULT_EXEMPLARS
    contrastive_weight: float = DEFAULT_CONTRASTIVE_WEIGHT
    temperature: float = DEFAULT_TEMPERATURE
    grade_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.dim < max(ATTENTION_HEADS, self.num_subgrades) or self.dim % ATTENTION_HEADS:
            raise ValueError(f"dim must be a multiple of {ATTENTION_HEADS} and at least the number of "
                             f"sub-grades ({self.num_subgrades}), got {self.dim}")
        if self.frames_per_stage < 1 or self.num_exemplars < 1 or self.temperature <= 0:
            raise ValueError("frames_per_stage and num_exemplars must be >= 1 and temperature > 0")
        if self.grade_names is not None and len(self.grade_names) != self.num_grades:
            raise ValueError(f"{self.num_grades} grades need {self.num_grades} names, "
                             f"got {len(self.grade_names)}")


@dataclass(frozen=True)
class ScorePrediction:
    """One clip's predicted score.

    Attributes:
        score: predicted score in the units of the training scores.
        spread: standard deviation of the exemplar votes (contrastive), else None.
        grade: the grade's name; grade_index: its index, 0 = lowest.
        exemplars: ``(key, exemplar score, vote)`` per exemplar (contrastive), else empty.
        exemplar_source: where the exemplars came from, e.g. ``"same action"`` or
            ``"same action + nearest difficulty"`` (contrastive), else None.
    """

    score: float
    spread: float | None
    grade: str | None
    grade_index: int | None
    exemplars: tuple[tuple[str, float, float], ...] = ()
    exemplar_source: str | None = None


@dataclass
class _Clips:
    """Prepared clips: ``features`` ``(N, K, L, F)`` float32 standardised, ``scores`` ``(N,)``."""

    keys: list[str]
    features: np.ndarray
    scores: np.ndarray
    actions: list[str | None]
    difficulties: np.ndarray


@dataclass(eq=False)
class ScoreModel:
    """A trained score model; see :meth:`predict`."""

    method: str
    schema: str
    settings: ScoreSettings
    network: torch.nn.Module
    standardiser: FeatureStandardiser
    scale: GradeScale
    score_mean: float
    score_std: float
    num_stages: int
    bank: ExemplarBank | None
    info: dict = field(default_factory=dict)
    # The bank's stage tokens, encoded once on the first prediction.
    _bank_tokens: torch.Tensor | None = field(default=None, init=False, repr=False)

    def _features(self, samples: Sequence[ClipSample], transitions: Sequence | None) -> torch.Tensor:
        if transitions is not None and len(transitions) != len(samples):
            raise ValueError(f"got transitions for {len(transitions)} clips but {len(samples)} clips; "
                             "pass one entry per clip (None for the clip's own)")
        stacked = []
        for i, sample in enumerate(samples):
            if sample.schema != self.schema:
                raise ValueError(f"clip {sample.key!r} has {sample.schema!r} poses but this model was "
                                 f"trained on {self.schema!r}; convert the poses first")
            if len(sample.stage_names) != self.num_stages:
                raise ValueError(f"clip {sample.key!r} has {len(sample.stage_names)} stages, the model "
                                 f"{self.num_stages}")
            given = None if transitions is None else transitions[i]
            cuts = sample.transitions if given is None else given
            stacked.append(clip_stage_features(sample, cuts, frames_per_stage=self.settings.frames_per_stage))
        return torch.from_numpy(self.standardiser.apply(np.stack(stacked)))

    def predict(self, sample: ClipSample, transitions: Sequence[int] | None = None) -> ScorePrediction:
        """Score one clip; ``transitions`` overrides ``sample.transitions`` (both None: equal
        parts)."""
        return self.predict_many([sample], None if transitions is None else [transitions])[0]

    @torch.no_grad()
    def predict_many(self, samples: Sequence[ClipSample],
                     transitions: Sequence[Sequence[int] | None] | None = None) -> list[ScorePrediction]:
        """Score several clips in one batch (``transitions`` one entry per clip, or None)."""
        if not samples:
            return []
        self.network.eval()
        features = self._features(samples, transitions)
        if self.method == "coarse_fine":
            scores = self.network(features).score.double().numpy()
            return [self._prediction(float(s)) for s in scores]
        chosen = [choose_exemplars(self.bank, s.action, s.difficulty, self.settings.num_exemplars,
                                   exclude_key=s.key) for s in samples]
        votes = exemplar_votes(self.network, self.network.encode(features), self._exemplar_tokens(),
                               self._bank_standard_scores(), [idx for idx, _ in chosen])
        return [self._vote_prediction(v, idx, source) for v, (idx, source) in zip(votes, chosen)]

    def _exemplar_tokens(self) -> torch.Tensor:
        if self._bank_tokens is None:
            self.network.eval()
            with torch.no_grad():
                bank = torch.from_numpy(self.bank.features.astype(np.float32))
                self._bank_tokens = self.network.encode(bank)
        return self._bank_tokens

    def _bank_standard_scores(self) -> torch.Tensor:
        return torch.from_numpy((self.bank.scores - self.score_mean) / self.score_std).float()

    def _prediction(self, score: float, spread: float | None = None, **more) -> ScorePrediction:
        grade = int(self.scale.grade_of(np.array([score]))[0])
        return ScorePrediction(score, spread, self.scale.name_of(grade), grade, **more)

    def _vote_prediction(self, votes: np.ndarray, indices: list[int], source: str) -> ScorePrediction:
        scored = votes * self.score_std + self.score_mean
        exemplars = tuple((self.bank.keys[i], float(self.bank.scores[i]), float(v))
                          for i, v in zip(indices, scored))
        return self._prediction(float(scored.mean()), spread=float(scored.std()), exemplars=exemplars,
                                exemplar_source=source)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model and its exemplar bank to ``path`` (kind ``"score"``)."""
        settings = asdict(self.settings)
        names = self.settings.grade_names
        settings["grade_names"] = None if names is None else list(names)
        config = {"method": self.method, "settings": settings, "num_stages": self.num_stages,
                  "num_features": int(self.standardiser.mean.shape[0]), "score_mean": self.score_mean,
                  "score_std": self.score_std, "y_min": self.scale.y_min, "y_max": self.scale.y_max,
                  "info": self.info}
        extra = {"feature_mean": self.standardiser.mean, "feature_std": self.standardiser.std}
        if self.bank is not None:
            extra.update(bank_features=self.bank.features, bank_keys=list(self.bank.keys),
                         bank_scores=self.bank.scores, bank_actions=list(self.bank.actions),
                         bank_difficulties=self.bank.difficulties)
        save_checkpoint(path, kind=CHECKPOINT_KIND, schema=self.schema, config=config,
                        state_dict=self.network.state_dict(), extra=extra)


def _scale(settings: ScoreSettings, y_min: float, y_max: float) -> GradeScale:
    return GradeScale(y_min, y_max, settings.num_grades, settings.num_subgrades, settings.grade_names)


def _network(method: str, settings: ScoreSettings, num_features: int, num_stages: int,
             scale: GradeScale, seed: int) -> torch.nn.Module:
    if method == "contrastive":
        return ExemplarScorer(num_features, num_stages, settings.dim)
    return CoarseFineScorer(num_features, num_stages, scale, settings.dim, seed=seed)


def load_score_model(path: str | os.PathLike, schema: str | None) -> ScoreModel:
    """A :class:`ScoreModel` from a file written by :meth:`ScoreModel.save`.

    Raises:
        CheckpointError: missing or damaged file, another kind of model, or a model trained
            on another skeleton than ``schema`` (None accepts any).
    """
    checkpoint = load_checkpoint(path, kind=CHECKPOINT_KIND, schema=schema)
    config, extra = checkpoint.config, checkpoint.extra
    raw = dict(config["settings"])
    raw["grade_names"] = None if raw["grade_names"] is None else tuple(raw["grade_names"])
    settings = ScoreSettings(**raw)
    scale = _scale(settings, config["y_min"], config["y_max"])
    network = _network(config["method"], settings, config["num_features"], config["num_stages"], scale, 0)
    network.load_state_dict(checkpoint.state_dict)
    network.eval()
    bank = None
    if "bank_features" in extra:
        bank = ExemplarBank(extra["bank_features"].numpy(), tuple(extra["bank_keys"]),
                            extra["bank_scores"].numpy(), tuple(extra["bank_actions"]),
                            extra["bank_difficulties"].numpy())
    standardiser = FeatureStandardiser(extra["feature_mean"].numpy(), extra["feature_std"].numpy())
    return ScoreModel(config["method"], checkpoint.schema, settings, network, standardiser, scale,
                      config["score_mean"], config["score_std"], config["num_stages"], bank,
                      dict(config["info"]))


def _split(samples: Sequence[ClipSample], seed: int) -> tuple[list[ClipSample], list[ClipSample], str]:
    """Scored training and validation clips, and how the validation split was made."""
    train, val = [], []
    for sample in samples:
        if sample.score is None:
            continue
        if not np.isfinite(sample.score):
            raise ValueError(f"clip {sample.key!r} has score {sample.score}; fix or clear it before training")
        if sample.split in (None, "train"):
            train.append(sample)
        elif sample.split == "val":
            val.append(sample)
        elif sample.split != "test":
            raise ValueError(f"clip {sample.key!r} has split {sample.split!r}; use train, val, test or none")
    if len(train) < MIN_TRAIN_CLIPS:
        raise ValueError(f"training a score model needs at least {MIN_TRAIN_CLIPS} scored training clips, "
                         f"there are {len(train)}; score more clips or move some to the train split")
    if len(val) >= 2:
        return train, val, "given"
    # Too few validation clips for an SRCC: hold out a seeded share of the training clips.
    pool = train + val
    held = set(np.random.default_rng(seed).permutation(len(pool))[: max(2, round(VAL_SHARE * len(pool)))])
    return ([s for i, s in enumerate(pool) if i not in held], [s for i, s in enumerate(pool) if i in held],
            f"{VAL_SHARE:.0%} of the training clips (seed {seed})")


def _prepare(samples: list[ClipSample], transitions_for: Transitions, frames_per_stage: int) -> _Clips:
    features = np.stack([clip_stage_features(s, transitions_for(s), frames_per_stage=frames_per_stage)
                         for s in samples])
    difficulties = np.array([np.nan if s.difficulty is None else s.difficulty for s in samples], np.float64)
    return _Clips([s.key for s in samples], features, np.array([s.score for s in samples], np.float64),
                  [s.action for s in samples], difficulties)


def _validation_srcc(predicted: np.ndarray, truth: np.ndarray) -> float:
    value = srcc(predicted, truth)
    return WORST_SRCC if np.isnan(value) else value


def _fit_method(method: str, train: _Clips, val: _Clips, model: ScoreModel, config: TrainConfig,
                progress: Callable[[EpochReport], None] | None,
                cancelled: Callable[[], bool] | None) -> dict:
    """Train ``model.network`` in place; returns the run's summary for ``info``."""
    device = pick_device(config.device)
    settings = model.settings
    seed_everything(config.seed)
    network = _network(method, settings, train.features.shape[-1], model.num_stages, model.scale, config.seed)
    network.to(device)
    features = torch.from_numpy(train.features).to(device)
    val_features = torch.from_numpy(val.features).to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    if method == "contrastive":
        scores = torch.from_numpy((train.scores - model.score_mean) / model.score_std).float().to(device)
        step = contrastive_train_step(features, scores, train.actions, optimizer,
                                      batch_size=config.batch_size, seed=config.seed,
                                      contrastive_weight=settings.contrastive_weight,
                                      temperature=settings.temperature)
        chosen = [choose_exemplars(model.bank, a, d, settings.num_exemplars)[0]
                  for a, d in zip(val.actions, val.difficulties)]

        def validate(net: torch.nn.Module) -> float:
            votes = exemplar_votes(net, net.encode(val_features), net.encode(features), scores, chosen)
            return _validation_srcc(np.array([v.mean() for v in votes]), val.scores)
    else:
        scores = torch.from_numpy(train.scores).float().to(device)
        step = coarse_fine_train_step(features, scores, model.scale, optimizer,
                                      batch_size=config.batch_size, seed=config.seed)

        def validate(net: torch.nn.Module) -> float:
            return _validation_srcc(net(val_features).score.double().cpu().numpy(), val.scores)

    result = fit(network, step, validate, config, progress=progress, cancelled=cancelled)
    model.network = network.cpu().eval()
    model._bank_tokens = None
    return {"val_srcc": result.best_val, "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
            "stopped_early": result.stopped_early}


def train_score_model(samples: Sequence[ClipSample], *, method: str = "auto", config: TrainConfig,
                      transitions_for: Transitions | None = None, settings: ScoreSettings | None = None,
                      progress: Callable[[EpochReport], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> ScoreModel:
    """Train a score model on the scored clips of ``samples``.

    Clips with ``split`` ``"train"`` or None train; ``"val"`` clips pick the epoch (SRCC,
    early stopping); ``"test"`` clips and clips without a score are left out. With fewer
    than two validation clips a seeded 20 % of the training clips is held out instead.
    ``method`` is ``"contrastive"``, ``"coarse_fine"`` or ``"auto"`` (train both, keep the
    better validation SRCC; ``info["val_srcc"]`` holds both). ``transitions_for`` gives a
    clip's stage transitions (default ``sample.transitions``; None means equal parts). The
    result depends only on the clips, the settings and ``config.seed``.

    Raises:
        ValueError: an unknown method; fewer than :data:`MIN_TRAIN_CLIPS` scored training
            clips; a NaN score, a clip without keypoints, mixed skeletons or stage counts
            (the message names the clip); all training scores equal.
        inference.assess.training.Cancelled: ``cancelled()`` turned true.
    """
    if method not in METHODS + ("auto",):
        raise ValueError(f"unknown score method {method!r}; use one of {', '.join(METHODS + ('auto',))}")
    settings = settings or ScoreSettings()
    transitions_for = transitions_for or (lambda sample: sample.transitions)
    train_samples, val_samples, val_source = _split(samples, config.seed)
    first = train_samples[0]
    for sample in train_samples + val_samples:
        if sample.schema != first.schema or len(sample.stage_names) != len(first.stage_names):
            raise ValueError(f"clip {sample.key!r} has {sample.schema!r} poses with "
                             f"{len(sample.stage_names)} stages but clip {first.key!r} has "
                             f"{first.schema!r} with {len(first.stage_names)}; train one model per "
                             "skeleton and sport")
    train = _prepare(train_samples, transitions_for, settings.frames_per_stage)
    val = _prepare(val_samples, transitions_for, settings.frames_per_stage)
    standardiser = FeatureStandardiser.fit(train.features)
    train.features = standardiser.apply(train.features)
    val.features = standardiser.apply(val.features)
    y_min, y_max = float(train.scores.min()), float(train.scores.max())
    if y_max <= y_min:
        raise ValueError(f"all {len(train.scores)} training clips have score {y_min}; a score model "
                         "needs clips of different quality")
    bank = ExemplarBank(train.features.astype(np.float16), tuple(train.keys), train.scores,
                        tuple(train.actions), train.difficulties)
    model = ScoreModel(method, first.schema, settings, torch.nn.Identity(), standardiser,
                       _scale(settings, y_min, y_max), float(train.scores.mean()),
                       float(max(train.scores.std(), 1e-6)), len(first.stage_names), bank)
    runs: dict[str, tuple[dict, torch.nn.Module]] = {}
    for name in METHODS if method == "auto" else (method,):
        runs[name] = (_fit_method(name, train, val, model, config, progress, cancelled), model.network)
    # Ties go to the contrastive model: it also says how sure it is (the vote spread).
    best = max(runs, key=lambda name: (runs[name][0]["val_srcc"], name == "contrastive"))
    summary, model.network = runs[best]
    model.method, model._bank_tokens = best, None
    if best != "contrastive":
        model.bank = None
    model.info = {"method": best, "val_srcc": {name: run[0]["val_srcc"] for name, run in runs.items()},
                  **{key: summary[key] for key in ("best_epoch", "epochs_run", "stopped_early")},
                  "n_train": len(train.keys), "n_val": len(val.keys), "val_split": val_source,
                  "score_range": [y_min, y_max], "seed": config.seed}
    return model
