"""Degeneration of generated text on WikiText-2 (Welleck et al. 2019's evaluation): a modified Kneser-Ney 5-gram,
an LSTM, an LSTM trained with token-level unlikelihood and a Transformer, each decoding the test prefixes with
greedy, beam 4, pure sampling, top-k 40, top-p 0.9, repetition penalty 1.2, no-repeat 3-gram and contrastive
search, beside the human continuation.

    python benchmarks/bench_degeneration.py [--count 30] [--work DIR] [--train-lines 1500] [--train-minutes 5]

The models are built in --work when they are not there yet (so a rerun only decodes):
  kn5             ngramlm train -o 5 --text train.txt (KenLM's lmplz estimate, the whole training text), then
                  ngramlm build-binary
  lstm, lstm-ul   ngramlm neural train --model lstm (Zaremba's small 2 x 200 recipe) on the first --train-lines
                  lines of train.txt, validated on the first 300 lines of valid.txt, at most 2 epochs and
                  --train-minutes; lstm-ul adds --unlikelihood-weight 1.0
  transformer     the same with --model transformer (2 layers, width 128)
  lstm-ft-mle,    the trained lstm fine-tuned for one more epoch (--resume --epochs 2), with plain likelihood
  lstm-ft-ul      and with --unlikelihood-weight 1.0 (Welleck et al. fine-tune a trained model so); they are
                  compared in a second table, benchmarks/results/degeneration/unlikelihood-finetune/
The neural models are trained for minutes on a shared CPU: they are far from converged (see the perplexities in
the table), which matters for the reading of the results. The table, its CSV and the plot go to
benchmarks/results/degeneration/ with a notes file recording the settings, the machine and the training figures.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpora" / "wikitext-2"
RESULTS = REPO / "benchmarks" / "results" / "degeneration"
NEURAL = {"lstm": ["--model", "lstm"], "lstm-ul": ["--model", "lstm", "--unlikelihood-weight", "1.0"],
          "transformer": ["--model", "transformer"]}


def ngramlm(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from ngramlm.cli.main import cli; cli()", *args], check=True)


def head(source: Path, lines: int, target: Path) -> None:
    with open(source, encoding="utf-8") as f, open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i >= lines:
                break
            out.write(line)


def build_models(work: Path, train_lines: int, minutes: float) -> dict[str, Path]:
    models = {"kn5": work / "kn5.bin"}
    if not models["kn5"].exists():  # the binary model loads in a second (the ARPA file takes a minute)
        ngramlm("train", "-o", "5", "--text", str(CORPUS / "train.txt"), "--arpa", str(work / "kn5.arpa"))
        ngramlm("build-binary", str(work / "kn5.arpa"), str(models["kn5"]))
    train, valid = work / "train-tiny.txt", work / "valid-tiny.txt"
    if not train.exists():
        head(CORPUS / "train.txt", train_lines, train)
        head(CORPUS / "valid.txt", 300, valid)
    for name, options in NEURAL.items():
        models[name] = work / f"{name}.pt"
        if not models[name].exists():
            ngramlm("neural", "train", *options, "--train", str(train), "--valid", str(valid), "--out",
                    str(models[name]), "--epochs", "2", "--max-minutes", str(minutes), "--log-every", "20")
    return models


def fine_tune(work: Path) -> dict[str, Path]:
    """The lstm trained one more epoch with plain likelihood and with unlikelihood (the same data and seed)."""
    import shutil

    tuned = {"lstm-ft-mle": work / "lstm-ft-mle.pt", "lstm-ft-ul": work / "lstm-ft-ul.pt"}
    for name, path in tuned.items():
        if not path.exists():
            shutil.copyfile(work / "lstm.pt", path)
            extra = ["--unlikelihood-weight", "1.0"] if name.endswith("ul") else []
            ngramlm("neural", "train", "--model", "lstm", "--resume", *extra, "--train", str(work / "train-tiny.txt"),
                    "--valid", str(work / "valid-tiny.txt"), "--out", str(path), "--epochs", "2",
                    "--log-every", "20")
    return tuned


def degeneration(models: dict[str, Path], count: int, out_dir: str) -> float:
    started = time.perf_counter()
    ngramlm("degeneration", *[a for name, path in models.items() for a in ("--model", f"{name}={path}")],
            "--text", str(CORPUS / "test.txt"), "--count", str(count), "--prefix-words", "50",
            "--continuation-words", "100", "--device", "cpu", "--out-dir", out_dir)
    return time.perf_counter() - started


def training_notes(models: dict[str, Path]) -> list[str]:
    import torch

    notes = []
    for name, path in models.items():
        if path.suffix != ".pt":
            continue
        state = torch.load(path, map_location="cpu", weights_only=True)["training"]
        last = state["history"][-1]
        notes.append(f"- {name}: {state['epoch']} epoch(s), {state['train_seconds']:.0f} s of training, best "
                     f"valid ppl {state['best_valid']:.1f} (first 300 lines of valid.txt), "
                     f"{last['tokens_per_second']:.0f} tokens/s")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="prefixes")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "ngramlm-degeneration"))
    parser.add_argument("--train-lines", type=int, default=1500)
    parser.add_argument("--train-minutes", type=float, default=5.0)
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--skip-main", action="store_true", help="only the fine-tuning comparison")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    models = build_models(work, args.train_lines, args.train_minutes)
    seconds = 0.0 if args.skip_main else degeneration(models, args.count, args.out_dir)
    tuned = fine_tune(work)
    seconds += degeneration(tuned, args.count, os.path.join(args.out_dir, "unlikelihood-finetune"))
    models.update(tuned)
    notes = [f"Machine: {describe_machine()} (shared with other jobs: timings are noisy).",
             f"Corpus: ../shared/corpora/wikitext-2; {args.count} prefixes of 50 words from test.txt, "
             f"continuations of 100 words; decoding took {seconds:.0f} s for all models and strategies.",
             f"Command: python benchmarks/bench_degeneration.py --count {args.count} --train-lines "
             f"{args.train_lines} --train-minutes {args.train_minutes}{' --skip-main' if args.skip_main else ''}",
             "", "Training:"] + training_notes(models)
    where = Path(args.out_dir, "unlikelihood-finetune") if args.skip_main else Path(args.out_dir)
    where.joinpath("notes.md").write_text("\n".join(notes) + "\n", encoding="utf-8")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
