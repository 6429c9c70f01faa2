"""The corpus registry: verified downloads (mocked: these machines have no network) and corpus folders."""
import gzip
import hashlib
import io
import os
import urllib.error
import zipfile

import pytest
from click.testing import CliRunner

from ngramlm.corpora import datasets
from ngramlm.cli.main import cli
from ngramlm.corpora.datasets import Dataset, Download, DownloadError
from ngramlm.core.errors import InputError

TEXTS = {"train": b"a b c\nb c d\n", "valid": b"a b\n", "test": b"a e\n"}


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _served(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / "server" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path.as_uri()


def _plain_dataset(tmp_path, texts=TEXTS, md5s=None) -> Dataset:
    md5s = md5s or {split: md5(data) for split, data in texts.items()}
    downloads = tuple(Download((_served(tmp_path, f"{split}.txt", data),), md5s[split], split=split)
                      for split, data in texts.items())
    return Dataset("toy", "a toy corpus", "public domain", downloads)


def test_fetch_downloads_every_split_and_verifies_it(tmp_path):
    folder = datasets.fetch(_plain_dataset(tmp_path), str(tmp_path / "toy"))
    for split, data in TEXTS.items():
        assert open(folder.paths[split], "rb").read() == data
    assert sorted(os.listdir(tmp_path / "toy")) == ["test.txt", "train.txt", "valid.txt"]


def test_corrupted_download_is_refused_and_nothing_is_left(tmp_path):
    spec = _plain_dataset(tmp_path, md5s={**{s: md5(d) for s, d in TEXTS.items()}, "train": md5(b"other")})
    dest = tmp_path / "toy"
    with pytest.raises(DownloadError, match=r"MD5 .* expected .*corrupt"):
        datasets.fetch(spec, str(dest))
    assert os.listdir(dest) == []  # train is the first download: no temporary file, no train.txt


def test_failed_later_split_keeps_earlier_verified_files_only(tmp_path):
    spec = _plain_dataset(tmp_path, md5s={**{s: md5(d) for s, d in TEXTS.items()}, "test": "0" * 32})
    dest = tmp_path / "toy"
    with pytest.raises(DownloadError):
        datasets.fetch(spec, str(dest))
    assert sorted(os.listdir(dest)) == ["train.txt", "valid.txt"]


def test_next_mirror_is_tried_when_one_fails(tmp_path):
    good = _served(tmp_path, "train.txt", TEXTS["train"])
    bad = _served(tmp_path, "truncated.txt", TEXTS["train"][:3])
    missing = (tmp_path / "server" / "missing.txt").as_uri()
    spec = Dataset("toy", "", "", (Download((missing, bad, good), md5(TEXTS["train"]), split="train"),))
    with pytest.raises(InputError):  # train arrives; valid and test are not part of this toy registry entry
        datasets.fetch(spec, str(tmp_path / "toy"))
    assert (tmp_path / "toy" / "train.txt").read_bytes() == TEXTS["train"]


def test_network_errors_are_reported_with_every_address(tmp_path):
    def offline(request, timeout):
        raise urllib.error.URLError("no route to host")

    spec = Dataset("toy", "", "", (Download(("https://a.example/t", "https://b.example/t"), "0" * 32, "train"),))
    with pytest.raises(DownloadError) as info:
        datasets.fetch(spec, str(tmp_path / "toy"), urlopen=offline)
    message = str(info.value)
    assert "a.example" in message and "b.example" in message and "no route to host" in message
    assert os.listdir(tmp_path / "toy") == []


def _zip_bytes(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_archive_members_become_the_splits(tmp_path):
    archive = _zip_bytes({f"corpus/wiki.{s}.tokens": d for s, d in TEXTS.items()})
    members = {s: f"corpus/wiki.{s}.tokens" for s in TEXTS}
    spec = Dataset("toy", "", "", (Download((_served(tmp_path, "c.zip", archive),), md5(archive),
                                            members=members, member_md5={"train": md5(TEXTS["train"])}),))
    folder = datasets.fetch(spec, str(tmp_path / "toy"))
    assert open(folder.test, "rb").read() == TEXTS["test"]
    assert sorted(os.listdir(tmp_path / "toy")) == ["test.txt", "train.txt", "valid.txt"]


def test_archive_member_with_wrong_checksum_is_refused(tmp_path):
    archive = _zip_bytes({"train.tokens": b"tampered\n"})
    spec = Dataset("toy", "", "", (Download((_served(tmp_path, "c.zip", archive),), md5(archive),
                                            members={"train": "train.tokens"},
                                            member_md5={"train": md5(TEXTS["train"])}),))
    with pytest.raises(DownloadError, match="wrong MD5"):
        datasets.fetch(spec, str(tmp_path / "toy"))
    assert os.listdir(tmp_path / "toy") == []


def test_verified_files_already_present_are_not_downloaded_again(tmp_path):
    spec = _plain_dataset(tmp_path)
    dest = str(tmp_path / "toy")
    datasets.fetch(spec, dest)

    def must_not_download(request, timeout):
        raise AssertionError(f"downloaded {request.full_url} again")

    datasets.fetch(spec, dest, urlopen=must_not_download)


@pytest.mark.parametrize("name", ["ptb", "wikitext-2"])
def test_registered_checksums_match_the_real_corpora(tmp_path, shared_corpora, name):
    # Serve the byte-identical copies in ../shared for the registry's addresses: the registry's MD5s must
    # accept them.
    by_url = {}
    for download in datasets.dataset(name).downloads:
        by_url[download.urls[0]] = shared_corpora / name / f"{download.split}.txt"

    def serve(request, timeout):
        return open(by_url[request.full_url], "rb")

    folder = datasets.fetch(name, str(tmp_path / name), urlopen=serve)
    assert os.path.getsize(folder.train) == os.path.getsize(shared_corpora / name / "train.txt")


def test_every_registered_corpus_has_three_splits_and_https_addresses():
    for spec in datasets.REGISTRY.values():
        splits = set()
        for download in spec.downloads:
            assert download.urls and all(u.startswith("https://") for u in download.urls)
            splits |= {download.split} if download.split else set(download.members)
        assert splits == set(datasets.SPLITS), spec.name


def test_unknown_corpus_name_lists_the_known_ones():
    with pytest.raises(datasets.NgramlmError, match="ptb, wikitext-103, wikitext-2"):
        datasets.dataset("penn")


def test_load_folder_names_every_missing_split(tmp_path):
    (tmp_path / "train.txt").write_text("a b\n")
    with pytest.raises(InputError) as info:
        datasets.load_folder(str(tmp_path))
    message = str(info.value)
    assert "valid.txt" in message and "test.txt" in message and str(tmp_path) in message
    assert "holds: train.txt" in message


def test_load_folder_rejects_a_file_and_accepts_compressed_splits(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        datasets.load_folder(str(tmp_path / "nowhere"))
    for split, data in TEXTS.items():
        with gzip.open(tmp_path / f"{split}.txt.gz", "wb") as f:
            f.write(data)
    folder = datasets.load_folder(str(tmp_path))
    assert folder.valid.endswith("valid.txt.gz")


def test_load_folder_takes_a_shared_corpus(shared_corpora):
    folder = datasets.load_folder(str(shared_corpora / "brown"))
    assert folder.train == str(shared_corpora / "brown" / "train.txt")


def test_split_statistics_count_tokens_types_and_oov(tmp_path):
    for split, data in TEXTS.items():
        (tmp_path / f"{split}.txt").write_bytes(data)
    stats = datasets.split_statistics(datasets.load_folder(str(tmp_path)))
    assert (stats["train"].sentences, stats["train"].tokens, stats["train"].types) == (2, 6, 4)
    assert (stats["test"].oov_tokens, stats["test"].oov_types, stats["test"].oov_rate) == (1, 1, 0.5)
    assert stats["valid"].oov_tokens == 0


def test_info_command_prints_counts_and_missing_folder_errors(tmp_path):
    for split, data in TEXTS.items():
        (tmp_path / f"{split}.txt").write_bytes(data)
    result = CliRunner().invoke(cli, ["corpus", "info", str(tmp_path)])
    assert result.exit_code == 0
    assert "50.00%" in result.output  # test: 1 of its 2 tokens unseen in train
    result = CliRunner().invoke(cli, ["corpus", "info", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "not a folder" in result.output and "Traceback" not in result.output
