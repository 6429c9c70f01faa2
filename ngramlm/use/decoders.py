"""Speech decoders with an ngramlm model where they expect a KenLM one.

pyctcdecode (`pip install pyctcdecode`): its LanguageModel creates kenlm.State objects itself, so an ngramlm
Model cannot be passed in as it is; `PyCTCDecodeLM` is pyctcdecode's LanguageModel with ngramlm States, and
`build_ctcdecoder` is pyctcdecode's function of that name taking a Model instead of a KenLM path.

flashlight-text (`pip install flashlight-text`, the decoder behind torchaudio's ctc_decoder): `FlashlightLM`
is a flashlight LM (torchaudio's CTCDecoderLM has the same three methods) scoring with a Model, as flashlight's
own KenLM wrapper does: log10 scores, one LMState per distinct ngramlm State so that hypotheses with equal
contexts merge.

In:  an ngramlm.use.query.Model (an ARPA or binary file, or a BackoffModel), and the decoder's labels or words.
Out: a pyctcdecode LanguageModel (PyCTCDecodeLM: alpha * ln p + beta per word) or decoder (build_ctcdecoder), or a
     flashlight LM (FlashlightLM: log10 p), with Model's States; FlashlightLM keeps one LMState per State it meets.
"""
from __future__ import annotations

from typing import Collection, Sequence

from ..core.constants import LN10
from .query import Model, State
from ..core.vocab import UNK_ID

try:
    from pyctcdecode.constants import DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_UNK_LOGP_OFFSET
    from pyctcdecode.language_model import LanguageModel as _PyCTCDecodeLanguageModel
except ImportError:  # optional dependency; pyctcdecode's defaults, for the signatures below
    DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_UNK_LOGP_OFFSET = 0.5, 1.5, -10.0
    _PyCTCDecodeLanguageModel = object

try:
    from flashlight.lib.text.decoder import LM as _FlashlightLM
    from flashlight.lib.text.decoder import LMState as _FlashlightLMState
except ImportError:  # optional dependency
    _FlashlightLM = object
    _FlashlightLMState = None


def _need(module_object, package: str) -> None:
    if module_object is object or module_object is None:
        raise ImportError(f"this adapter needs {package}: pip install {package}")


class PyCTCDecodeLM(_PyCTCDecodeLanguageModel):
    """pyctcdecode's LanguageModel (shallow fusion: alpha * ln p + beta per word) scoring with an ngramlm Model.

    Args:
        model: the ngramlm Model.
        unigrams: words the decoder may spell (default: the model's unigrams); partial words outside them are
            penalised by `unk_score_offset`, as in pyctcdecode.
        alpha, beta, unk_score_offset, score_boundary: as pyctcdecode's LanguageModel.
    """

    def __init__(self, model: Model, unigrams: Collection[str] | None = None, alpha: float = DEFAULT_ALPHA,
                 beta: float = DEFAULT_BETA, unk_score_offset: float = DEFAULT_UNK_LOGP_OFFSET,
                 score_boundary: bool = True):
        _need(_PyCTCDecodeLanguageModel, "pyctcdecode")
        if unigrams is None:
            unigrams = [w for w in model.unigrams if w not in ("<s>", "</s>", "<unk>")]
        super().__init__(model, unigrams, alpha=alpha, beta=beta, unk_score_offset=unk_score_offset,
                         score_boundary=score_boundary)

    def get_start_state(self) -> State:
        state = State()
        if self.score_boundary:
            self._kenlm_model.BeginSentenceWrite(state)
        else:
            self._kenlm_model.NullContextWrite(state)
        return state

    def _get_raw_end_score(self, start_state: State) -> float:
        if not self.score_boundary:
            return 0.0
        return self._kenlm_model.BaseScore(start_state, "</s>", State())

    def score(self, prev_state: State, word: str, is_last_word: bool = False) -> tuple[float, State]:
        end_state = State()
        lm_score = self._kenlm_model.BaseScore(prev_state, word, end_state)
        if (len(self._unigram_set) > 0 and word not in self._unigram_set) or word not in self._kenlm_model:
            lm_score += self.unk_score_offset
        if is_last_word:
            lm_score += self._get_raw_end_score(end_state)
        return self.alpha * lm_score * LN10 + self.beta, end_state


def build_ctcdecoder(labels: Sequence[str], model: Model | None = None, unigrams: Collection[str] | None = None,
                     alpha: float = DEFAULT_ALPHA, beta: float = DEFAULT_BETA,
                     unk_score_offset: float = DEFAULT_UNK_LOGP_OFFSET, lm_score_boundary: bool = True):
    """pyctcdecode.build_ctcdecoder with an ngramlm Model (or no language model) in place of a KenLM file."""
    _need(_PyCTCDecodeLanguageModel, "pyctcdecode")
    from pyctcdecode.alphabet import Alphabet
    from pyctcdecode.decoder import BeamSearchDecoderCTC

    alphabet = Alphabet.build_alphabet(list(labels))
    language_model = None
    if model is not None:
        language_model = PyCTCDecodeLM(model, unigrams, alpha=alpha, beta=beta, unk_score_offset=unk_score_offset,
                                       score_boundary=lm_score_boundary)
    return BeamSearchDecoderCTC(alphabet, language_model)


class FlashlightLM(_FlashlightLM):
    """A flashlight-text LM (start / score / finish) scoring with an ngramlm Model.

    Args:
        model: the ngramlm Model.
        words: the decoder's word dictionary, by index (what flashlight passes to `score`); each entry is mapped
            to the model's id once, unknown words to <unk>.
    """

    def __init__(self, model: Model, words: Sequence[str]):
        _need(_FlashlightLM, "flashlight-text")
        _FlashlightLM.__init__(self)
        self.model = model
        self.word_ids = [model.index(w) for w in words]
        self._flashlight_state: dict[State, object] = {}
        self._ngram_state: dict[object, State] = {}

    def _wrap(self, state: State):
        """The one flashlight LMState standing for `state` (equal States share it, so hypotheses merge)."""
        wrapped = self._flashlight_state.get(state)
        if wrapped is None:
            wrapped = _FlashlightLMState()
            self._flashlight_state[state] = wrapped
            self._ngram_state[wrapped] = state
        return wrapped

    def start(self, start_with_nothing: bool):
        state = State()
        if start_with_nothing:
            self.model.NullContextWrite(state)
        else:
            self.model.BeginSentenceWrite(state)
        return self._wrap(state)

    def score(self, state, token_index: int):
        word = self.word_ids[token_index] if 0 <= token_index < len(self.word_ids) else UNK_ID
        out = State()
        log10_prob = self.model.BaseScore(self._ngram_state[state], word, out)
        return self._wrap(out), log10_prob

    def finish(self, state):
        out = State()
        log10_prob = self.model.BaseScore(self._ngram_state[state], "</s>", out)
        return self._wrap(out), log10_prob
