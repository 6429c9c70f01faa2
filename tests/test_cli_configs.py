"""The command lines fill one configuration object each, and the objects' defaults are the commands' defaults:
LmplzConfig for `ngramlm train`, TrainConfig for `ngramlm neural train`."""
from __future__ import annotations

import pytest

from ngramlm.cli.train import train
from ngramlm.counting.memory import DEFAULT_MEMORY
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig


def click_defaults(command, required: list[str]) -> dict:
    """The values the command's function gets when only the `required` arguments are given."""
    return command.make_context(command.name, list(required)).params


def test_lmplz_config_defaults_are_ngramlm_trains():
    flags = click_defaults(train, ["--order", "3", "--text", "train.txt"])
    config = LmplzConfig(["train.txt"], 3)
    assert config.arpa == flags["arpa"]
    assert config.unk == flags["unk"]
    assert config.discount_fallback == flags["discount_fallback"]
    assert config.temp_dir == flags["temp_dir"]
    assert config.quiet == flags["quiet"]
    assert config.text_options.tolower == flags["tolower"]
    assert config.vocab is None and flags["vocab_path"] is None
    # Without --memory (no limit) the counts get the default budget.
    assert flags["memory"] is None and config.memory == DEFAULT_MEMORY


def test_neural_train_options_fill_the_recommended_train_config():
    pytest.importorskip("torch")
    from ngramlm.cli.neural import ARCHITECTURE_OPTIONS, SCHEDULE_OPTIONS, architecture, train as neural_train, \
        train_config
    from ngramlm.models.neural.training import RECOMMENDED, TrainConfig, recommended_config

    flags = click_defaults(neural_train, ["--model", "lstm", "--train", "t", "--valid", "v", "--out", "o"])
    settings = {name: flags[name] for name in (*SCHEDULE_OPTIONS, *ARCHITECTURE_OPTIONS, "max_minutes")}
    assert set(flags) - set(settings) == {"kind", "train_path", "valid_path", "out_path", "resume", "device",
                                          "tolower", "quiet"}
    for kind in RECOMMENDED:
        assert train_config(kind, settings) == recommended_config(kind)
    assert architecture(settings) == {}
    assert flags["seed"] == TrainConfig().seed
    given = dict(settings, epochs=2, lr=0.1, max_minutes=1.5, hidden=8)
    config = train_config("lstm", given)
    assert (config.epochs, config.lr, config.max_seconds, config.clip) == (2, 0.1, 90.0, RECOMMENDED["lstm"]["clip"])
    assert architecture(given) == {"hidden": 8}
