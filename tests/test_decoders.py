"""End to end: CTC emissions whose acoustics prefer the wrong letter ('cap', 'map' for 'cat', 'mat') are decoded
right once an ngramlm model scores the words, through pyctcdecode and flashlight-text."""
import string

import numpy as np
import pytest

from ngramlm.core.model import BackoffModel
from ngramlm.use.query import Model
from ngramlm.core.vocab import Vocabulary

SENTENCES = ["the cat sat on the mat", "the dog sat on the mat", "she wore a cap", "a map of the town"]
SPOKEN = "the cat sat on the mat"
# Frames where the acoustics prefer another letter: (position in SPOKEN, letter preferred).
CONFUSIONS = {6: "p", 21: "p"}


def bigram_model() -> Model:
    """A hand-made bigram model of SENTENCES: seen bigrams log10 p = -0.3, unseen ones back off to uniform
    unigrams (-1.0) with weight -0.5."""
    words = sorted({w for s in SENTENCES for w in s.split()})
    entries = {(w,): (-1.0, -0.5) for w in words}
    entries.update({("<s>",): (-99.0, -0.5), ("</s>",): (-1.0, 0.0), ("<unk>",): (-3.0, 0.0)})
    for sentence in SENTENCES:
        tokens = ["<s>"] + sentence.split() + ["</s>"]
        entries.update({pair: (-0.3, 0.0) for pair in zip(tokens, tokens[1:])})
    return Model(BackoffModel.from_entries(Vocabulary(), entries))


def emissions(labels: list[str], blank: str, space: str) -> np.ndarray:
    """Log-probabilities (frames x labels): each character of SPOKEN for one frame (0.9, or 0.35 beside 0.6
    for the confused letter), then one blank frame."""
    frames = []
    index = {label: i for i, label in enumerate(labels)}
    for position, char in enumerate(SPOKEN):
        char = space if char == " " else char
        frame = np.full(len(labels), 0.1 / (len(labels) - 1))
        if position in CONFUSIONS:
            frame[:] = 0.05 / (len(labels) - 2)
            frame[index[char]], frame[index[CONFUSIONS[position]]] = 0.35, 0.6
        else:
            frame[index[char]] = 0.9
        frames.append(frame)
        silent = np.full(len(labels), 0.05 / (len(labels) - 1))
        silent[index[blank]] = 0.95
        frames.append(silent)
    probs = np.array(frames)
    return np.log(probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)


def test_pyctcdecode_with_ngramlm_model_fixes_confusions():
    pytest.importorskip("pyctcdecode")
    from ngramlm.use.decoders import build_ctcdecoder

    labels = ["", " "] + list(string.ascii_lowercase)
    logits = emissions(labels, "", " ")
    without_lm = build_ctcdecoder(labels).decode(logits)
    assert without_lm == "the cap sat on the map"
    with_lm = build_ctcdecoder(labels, bigram_model(), alpha=0.5, beta=1.0).decode(logits)
    assert with_lm == SPOKEN


def test_flashlight_lexicon_decoder_with_ngramlm_model_fixes_confusions():
    pytest.importorskip("flashlight.lib.text")
    from flashlight.lib.text.decoder import (CriterionType, LexiconDecoder, LexiconDecoderOptions, SmearingMode,
                                             Trie, ZeroLM)

    from ngramlm.use.decoders import FlashlightLM

    tokens = ["-", "|"] + list(string.ascii_lowercase)
    blank, silence = 0, 1
    logits = np.ascontiguousarray(emissions(tokens, "-", "|"))
    model = bigram_model()
    words = ["<unk>"] + sorted({w for s in SENTENCES for w in s.split()})

    def decode(lm) -> str:
        trie = Trie(len(tokens), silence)
        start = lm.start(False)
        for i, word in enumerate(words[1:], 1):
            _, score = lm.score(start, i)
            trie.insert([tokens.index(c) for c in word] + [silence], i, score)
        trie.smear(SmearingMode.MAX)
        options = LexiconDecoderOptions(beam_size=50, beam_size_token=len(tokens), beam_threshold=50.0,
                                        lm_weight=2.0, word_score=0.0, unk_score=float("-inf"), sil_score=0.0,
                                        log_add=False, criterion_type=CriterionType.CTC)
        decoder = LexiconDecoder(options, trie, lm, silence, blank, 0, [], False)
        best = decoder.decode(logits.ctypes.data, logits.shape[0], logits.shape[1])[0]
        return " ".join(words[i] for i in best.words if i >= 0)

    assert decode(ZeroLM()) == "the cap sat on the map"
    assert decode(FlashlightLM(model, words)) == SPOKEN
