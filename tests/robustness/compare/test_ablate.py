"""One-factor ablations with tiny real LSTMs on a tiny real IMDB archive."""

from __future__ import annotations

import json

import pytest

from robustness.cli.app import main
from robustness.compare.ablate import ablation_from_dict, build_variants
from robustness.errors import ConfigError

# Tiny LSTMs run on one torch thread here (see the fixture in tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


TINY = {"base": "tiny", "overrides": {"epochs": 1, "embedding_dim": 8, "hidden_size": 8, "vocab_size": 500,
                                      "max_tokens": 40, "head_tokens": 10},
        "factors": {"pooling": ["max_mean", "attention"], "bidirectional": [True, False], "max_tokens": [20]},
        "train": {"max_reviews": 200}, "seed": 4}


def test_variants_differ_from_the_base_in_exactly_one_field():
    variants = build_variants(ablation_from_dict(TINY))
    assert [v.name for v in variants] == ["base", "pooling=attention", "bidirectional=false", "max_tokens=20"]
    base = variants[0].config.to_dict()
    for variant in variants[1:]:
        changed = {k for k, v in variant.config.to_dict().items() if base.get(k) != v} - {"name"}
        assert changed == ({"max_tokens", "head_tokens"} if variant.factor == "max_tokens" else {variant.factor})
    assert variants[3].config.head_tokens == 5  # the base's head/tail proportion kept


def test_fields_added_after_the_first_models_are_factors_too():
    spec = ablation_from_dict(TINY | {"factors": {"word_dropout": [0.0, 0.2], "pretrain": ["ppmi_svd"]}})
    assert [v.name for v in build_variants(spec)] == ["base", "word_dropout=0.2", "pretrain=ppmi_svd"]


@pytest.mark.parametrize("change, fragment", [
    ({"factors": {"pooling": ["sum"]}}, "factors.pooling value 'sum'"),
    ({"factors": {"colour": [1]}}, "factors.colour is not an LSTM config field"),
    ({"factors": {}}, "'factors' must map"),
    ({"extra": 1}, "unknown key(s) extra"),
])
def test_bad_configs_name_the_field(change, fragment):
    with pytest.raises(ConfigError) as info:
        build_variants(ablation_from_dict({**TINY, **change}))
    assert fragment in str(info.value)


def test_cli_ablate_end_to_end(tmp_path, tiny_imdb_archive, capsys):
    config = tmp_path / "ablate.json"
    config.write_text(json.dumps({**TINY, "factors": {"pooling": ["attention"]},
                                  "suite": str(tmp_path / "suite.json")}))
    (tmp_path / "suite.json").write_text(json.dumps({"tests": {"defaults": {"min_cases": 5},
                                                               "robustness": {"add_typo": {}, "uppercase": {}}}}))
    with pytest.raises(SystemExit) as info:
        main(["ablate", "--config", str(config), "--data", str(tiny_imdb_archive), "--out", str(tmp_path / "out"),
              "--sample", "20", "--threads", "1"])
    assert info.value.code == 0
    summary = json.loads((tmp_path / "out" / "ablation.json").read_text())
    (effect,) = summary["effects"]
    assert effect["factor"] == "pooling" and effect["value"] == "attention" and effect["base_value"] == "max_mean"
    assert effect["delta_accuracy"] == pytest.approx(effect["accuracy"] - json.loads(
        (tmp_path / "out" / "compare.json").read_text())["models"][0]["clean"]["accuracy"])
    assert (tmp_path / "out" / "compare.html").is_file() and "pooling=attention" in capsys.readouterr().out


def test_cli_ablate_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "ablate.yml"
    config.write_text("base: tiny\nfactors: {pooling: [sum]}\n")
    with pytest.raises(SystemExit) as info:
        main(["ablate", "--config", str(config), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and "\n" not in err and "factors.pooling" in err


def test_shipped_ablation_config_is_valid():
    from pathlib import Path

    from robustness.compare.ablate import load_ablation_config

    path = Path(__file__).resolve().parents[3] / "robustness" / "configs" / "ablate.yml"
    variants = build_variants(load_ablation_config(path))
    factors = {v.factor for v in variants[1:]}
    assert factors == {"bidirectional", "pooling", "packed", "dropout", "vocab_size", "max_tokens"}
    assert len(variants) == 1 + 12
