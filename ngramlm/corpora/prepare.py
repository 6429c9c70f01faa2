"""From raw UTF-8 text to a training text: one sentence a line, tokens separated by single spaces.

In: files, folders (every file below, in sorted order) or '-' (standard input), read as a stream. A document is a
file; inside a file, paragraphs are separated by blank lines (or, with `lines_are_paragraphs`, each line is one),
and the lines of a paragraph are joined (without a space between two Chinese characters, so a hard-wrapped
Chinese line is no word boundary). No sentence crosses a paragraph.

Out, per paragraph, in this order:
  1. Unicode normalisation (NFKC by default: full-width Latin letters and digits become ASCII, ligatures are
     split; Chinese characters, those outside the Basic Multilingual Plane included, are kept as they are).
  2. The language: English or Chinese, given, or guessed per paragraph from its share of Chinese characters.
  3. Sentence splitting. English: after . ! ? (and closing quotes or brackets) followed by space and a capital
     letter, a digit or an opening quote, except after a known abbreviation or a single-letter initial. Chinese:
     after 。！？ (or ! ?), with the closing quotes and brackets that follow them.
  4. Tokens. English: Penn-Treebank-like rules (punctuation split off, n't 's 're 've 'll 'd 'm split off, numbers
     with their separators, URLs and e-mail addresses, hyphenated words and markers such as <unk> kept whole). Chinese: each character
     a token, runs of Latin letters and of digits kept whole (`split_units`); or words from a segmenter, a
     callable passed in (ngramlm.use.segment; the command line wires it).
  5. Optional lower-casing, and classes: every number -> `number_token`, every URL -> `url_token`.
Each sentence comes out as a list of token strings (prepare_text, prepare_paragraph), in input order, streamed: one
paragraph at a time is held in memory.

Nothing here uses a model: this room sits below them.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from ..core.errors import NgramlmError
from ..core.io import iter_lines
from .unsegmented import HAN

LANGUAGES = ("auto", "en", "zh")
NORMALISATIONS = ("NFKC", "NFC", "NFKD", "NFD", "none")

# A unit of Chinese text that no segmentation splits: a marker such as <unk>, a number with its separators, a run
# of Latin letters, white space, or any one code point.
UNIT = re.compile(r"<[A-Za-z][\w/-]*>|[0-9０-９]+(?:[.,:：．，][0-9０-９]+)*|[A-Za-zＡ-Ｚａ-ｚ]+|\s+|.", re.S)
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]}'’”]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
                  re.I)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,:/]\d+)*|\.\d+)(?:st|nd|rd|th)?$", re.I)

# Closing quotes and brackets that stay with the sentence they end.
_CLOSERS = "\"'’”」』）)】》〉]"
_ZH_SENTENCE_END = re.compile(rf"[。！？!?]+[{re.escape(_CLOSERS)}]*")
_EN_SENTENCE_END = re.compile(rf"(?:\.\.\.|[.!?]+)[{re.escape(_CLOSERS)}]*(?=\s+[\"'‘“(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset("""mr mrs ms dr prof sr jr st mt vs etc e.g i.e cf fig al inc ltd co corp dept univ
    gen col lt sgt rev hon gov sen rep jan feb mar apr jun jul aug sep sept oct nov dec no vol pp ed eds est approx
    u.s u.k u.n a.m p.m""".split())

# English tokenisation, Penn-Treebank-like (after the Treebank's tokenizer.sed): protected pieces first (URLs,
# numbers, abbreviations with inner periods), then punctuation and clitics split off the rest.
_EN_TOKEN = re.compile(r"""
    <[A-Za-z][\w/-]*>                                                # a marker such as <unk> or <num>
  | (?:https?://|ftp://|www\.)[^\s<>"]+[^\s<>".,;:!?)\]}'’”]       # URL
  | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                                    # e-mail address
  | [+-]?\d+(?:[.,:/]\d+)*(?:st|nd|rd|th)?                          # number, date, time, ordinal
  | (?:[A-Za-z]\.){2,}                                              # U.S. e.g.
  | (?i:(?:ABBREVIATIONS)\.)(?!\w)                                  # Mr. etc.
  | (?i:n['’]t)(?![\w])                                             # clitics
  | ['’](?i:s|re|ve|ll|d|m)(?![\w])
  | \w+(?=(?i:n['’]t)(?![\w]))
  | \w+(?:[-'’]\w+)*?(?=(?:['’](?i:s|re|ve|ll|d|m)|(?i:n['’]t))(?![\w]))
  | \w+(?:[-'’]\w+)*                                                # words, hyphenated words
  | \.\.\.|--|``|''                                                 # multi-character punctuation
  | [^\w\s]                                                         # any other symbol alone
""".replace("ABBREVIATIONS", "|".join(sorted((a for a in _ABBREVIATIONS if "." not in a), key=len, reverse=True))),
    re.X)


@dataclass
class PrepareOptions:
    """What `prepare` does to the text (see the module docstring)."""

    normalisation: str = "NFKC"
    lower: bool = False
    language: str = "auto"
    number_token: str | None = None
    url_token: str | None = None
    lines_are_paragraphs: bool = False
    split_sentences: bool = True

    def __post_init__(self):
        if self.normalisation not in NORMALISATIONS:
            raise NgramlmError(f"unknown normalisation {self.normalisation!r}; choose one of "
                               f"{', '.join(NORMALISATIONS)}")
        if self.language not in LANGUAGES:
            raise NgramlmError(f"unknown language {self.language!r}; choose one of {', '.join(LANGUAGES)}")


# --- Reading ---------------------------------------------------------------------------------------------------

def input_files(paths: Iterable[str]) -> Iterator[str]:
    """The files named: a folder stands for every file below it (sorted, hidden ones left out); '-' for stdin."""
    for path in paths:
        if path != "-" and os.path.isdir(path):
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(folder, name)
        else:
            yield path


def _joins_without_space(left: str, right: str) -> bool:
    return bool(left and right and HAN.match(left[-1]) and HAN.match(right[0]))


def read_paragraphs(paths: Iterable[str], lines_are_paragraphs: bool = False) -> Iterator[str]:
    """The paragraphs of the files, one string each, streamed (a file's last paragraph ends with the file)."""
    for path in input_files(paths):
        paragraph = ""
        for _, line in iter_lines(path):
            line = line.strip()
            if lines_are_paragraphs or not line:
                if paragraph:
                    yield paragraph
                paragraph = line if lines_are_paragraphs else ""
                continue
            if not paragraph:
                paragraph = line
            elif _joins_without_space(paragraph, line):
                paragraph += line
            else:
                paragraph += " " + line
        if paragraph:
            yield paragraph


# --- Normalisation and language --------------------------------------------------------------------------------

def normalise(text: str, form: str = "NFKC") -> str:
    """Unicode normalisation ('none' leaves the text as it is); white space runs become one space."""
    if form != "none":
        text = unicodedata.normalize(form, text)
    return " ".join(text.split())


def is_chinese(text: str, threshold: float = 0.3) -> bool:
    """Whether at least `threshold` of the text's non-space characters are Chinese characters."""
    letters = sum(1 for c in text if not c.isspace())
    return letters > 0 and len(HAN.findall(text)) >= threshold * letters


# --- Sentences -------------------------------------------------------------------------------------------------

def split_sentences_zh(text: str) -> list[str]:
    """Chinese sentences: cut after 。！？ (or ! ?) and the closing quotes or brackets that follow."""
    sentences, start = [], 0
    for match in _ZH_SENTENCE_END.finditer(text):
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the period at text[end] ends an abbreviation or an initial (then it ends no sentence)."""
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "\"'(‘“[":
        start -= 1
    word = text[start:end].lower()
    return len(word) == 1 and word.isalpha() or word in _ABBREVIATIONS


def split_sentences_en(text: str) -> list[str]:
    """English sentences: cut after . ! ? (with closing quotes) before a capital, digit or opening quote."""
    sentences, start = [], 0
    for match in _EN_SENTENCE_END.finditer(text):
        if text[match.start()] == "." and match.group().rstrip(_CLOSERS) == "." and \
                _is_abbreviation(text, match.start()):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


# --- Tokens ----------------------------------------------------------------------------------------------------

def split_units(text: str) -> list[list[str]]:
    """The units of Chinese text (see UNIT), in runs separated by white space."""
    runs, run = [], []
    for unit in UNIT.findall(text):
        if unit.isspace():
            if run:
                runs.append(run)
                run = []
        else:
            run.append(unit)
    if run:
        runs.append(run)
    return runs


def tokenize_en(sentence: str) -> list[str]:
    """Penn-Treebank-like English tokens; double quotes become `` and '' as in the Treebank."""
    tokens = []
    for match in _EN_TOKEN.finditer(sentence):
        token = match.group()
        if HAN.search(token):  # Chinese inside English text: its units, as tokenize_zh makes them
            tokens.extend(unit for run in split_units(token) for unit in run)
            continue
        if token in ('"', "“", "”"):  # opening where it follows a space or a bracket (the Treebank's rule)
            start = match.start()
            opening = token == "“" or (token == '"' and (start == 0 or sentence[start - 1] in " ([{<"))
            token = "``" if opening else "''"
        tokens.append(token)
    return tokens


def tokenize_zh(sentence: str, segment: Callable[[str], Sequence[str]] | None = None) -> list[str]:
    """Chinese tokens: characters (runs of Latin letters and of digits kept whole), or `segment`'s words."""
    if segment is not None:
        return list(segment(sentence))
    return [unit for run in split_units(sentence) for unit in run]


def _classes(tokens: list[str], options: PrepareOptions) -> list[str]:
    if options.lower:
        tokens = [t.lower() for t in tokens]
    if options.url_token is not None:
        tokens = [options.url_token if _URL.fullmatch(t) else t for t in tokens]
    if options.number_token is not None:
        tokens = [options.number_token if _NUMBER.match(t) else t for t in tokens]
    return tokens


def prepare_paragraph(paragraph: str, options: PrepareOptions = PrepareOptions(),
                      segment: Callable[[str], Sequence[str]] | None = None) -> Iterator[list[str]]:
    """The tokenised sentences of one paragraph."""
    text = normalise(paragraph, options.normalisation)
    chinese = options.language == "zh" or (options.language == "auto" and is_chinese(text))
    if not options.split_sentences:
        sentences = [text] if text else []
    else:
        sentences = split_sentences_zh(text) if chinese else split_sentences_en(text)
    for sentence in sentences:
        tokens = tokenize_zh(sentence, segment) if chinese else tokenize_en(sentence)
        tokens = _classes(tokens, options)
        if tokens:
            yield tokens


def prepare_text(paths: Iterable[str], options: PrepareOptions = PrepareOptions(),
                 segment: Callable[[str], Sequence[str]] | None = None) -> Iterator[list[str]]:
    """Every tokenised sentence of the files, in order, streamed."""
    for paragraph in read_paragraphs(paths, options.lines_are_paragraphs):
        yield from prepare_paragraph(paragraph, options, segment)
