"""Make the SRILM references of tests/srilm_cases.py: run SRILM 1.7.3's ngram and ngram-count on the cases'
inputs (written from the shared corpora) and keep their stdout and stderr here as NAME.stdout / NAME.stderr.

Usage: python tests/data/srilm/make_references.py SRILM_BIN_DIR SHARED_CORPORA_DIR [CASE ...]
(only the CASEs named, when some are)
(SRILM_BIN_DIR: SRILM's bin/MACHINE_TYPE, with ngram and ngram-count built from SRILM 1.7.3's sources.)
"""
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for srilm_cases
from srilm_cases import CASES, DATA, MODELS, arguments, write_inputs  # noqa: E402


def main() -> None:
    srilm, corpora = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        values = write_inputs(corpora, Path(tmp))
        values["lm"], values["lm2"] = f"{tmp}/train500.lm", f"{tmp}/train500.2.lm"
        for model in MODELS:
            subprocess.run([srilm / "ngram-count", *arguments(model, values)], check=True)
        subprocess.run([srilm / "ngram", "-lm", values["lm"], "-order", "2", "-write-lm", values["lm2"]], check=True)
        for name, tool, args, streams in CASES:
            if sys.argv[3:] and name not in sys.argv[3:]:
                continue
            result = subprocess.run([srilm / tool, *arguments(args, values)], capture_output=True)
            for stream in streams:
                output = getattr(result, "stdout" if stream == "arpa" else stream).replace(tmp.encode(), b"TMP")
                if stream == "arpa":  # models are kept compressed
                    (DATA / f"{name}.arpa.gz").write_bytes(gzip.compress(output, mtime=0))
                else:
                    (DATA / f"{name}.{stream}").write_bytes(output)


if __name__ == "__main__":
    main()
