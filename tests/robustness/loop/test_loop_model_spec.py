"""`model.spec`: the loop opens `model.existing` with a token variable, HTTP settings, trust, labels and downloads.

End to end on the tiny archive against a real `robustness serve` server that wants a bearer token: every stage
that opens the 'before' model (suite runs, failure-driven rows, the teacher, clean metrics, guards) reaches it,
and the token is written nowhere.
"""

from __future__ import annotations

import gzip
import json

import pytest

from robustness.errors import ConfigError, ModelError, UsageError
from robustness.loop.config import LoopConfig, SpecSection, load_loop_config, loop_config_from_dict, with_settings
from robustness.loop.run import _fingerprint, run_loop

TOKEN = "s3cret"
SUITE = """
tests:
  defaults: {min_pass_rate: 0.99, min_cases: 5}
  robustness:
    lowercase: {min_pass_rate: 0.5}
    add_typo: {}
    sentiment_antonym_swap: {min_pass_rate: 1.0}
harness: {seed: 3}
"""


@pytest.fixture
def served(serve_model, tiny_lstm_dir):
    """The URL of the tiny LSTM served by `robustness serve` with bearer token TOKEN."""
    from model_adapters.specs import load_model_spec

    return serve_model(load_model_spec(tiny_lstm_dir).model, token=TOKEN)


def loop_dict(url: str, suite_path, archive, spec: dict | None = None) -> dict:
    """A loop small enough for seconds, each stage that opens the 'before' model switched on."""
    return {
        "model": {"preset": "tiny", "epochs": 1, "existing": url} | ({"spec": spec} if spec is not None else {}),
        "data": {"path": str(archive), "test_sample": 30},
        "suite": {"config": str(suite_path), "sample": 20, "seed": 3, "fresh_seed": 4},
        "augment": {"ratio": 0.2, "seed": 5, "select": "failures", "pool": 2},
        "retrain": {"mode": "scratch", "epochs": 1},  # only our LSTM is fine-tuned: a served model is the teacher
        "holdout": {"tests": []},
        "guards": {"capabilities": ["negation_of_positive"], "sample": 10},
    }


def files_holding(root, secret: str) -> list[str]:
    """Every file under `root` whose bytes (a .gz file's decompressed too) contain `secret`."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data += gzip.decompress(data)
        if secret.encode() in data:
            found.append(str(path.relative_to(root)))
    return found


def test_a_loop_runs_on_a_served_model_behind_a_token_and_writes_the_token_nowhere(
        served, tmp_path, tiny_imdb_archive, monkeypatch, capsys, one_torch_thread):
    (tmp_path / "suite.yml").write_text(SUITE, encoding="utf-8")
    monkeypatch.setenv("LOOP_MODEL_TOKEN", TOKEN)
    config = loop_config_from_dict(loop_dict(served, tmp_path / "suite.yml", tiny_imdb_archive,
                                             {"token_env": "LOOP_MODEL_TOKEN", "http_batch_size": 16,
                                              "http_concurrency": 2, "http_timeout": 20}))
    out, messages = tmp_path / "out", []
    summary = run_loop(config, out, progress=False, log=messages.append)

    for name in ("suite_before/results.json", "suite_fresh_before/results.json", "model_after/weights.safetensors",
                 "guards_before/capabilities.json", "loop_summary.json", "before_after.html", "before_after.md",
                 "junit.xml", "state.json"):
        assert (out / name).is_file(), name
    assert summary["before"]["model"]["kind"] == "http" and summary["models"]["before"]["path"] == served
    assert summary["augmentation"]["select"] == "failures" and summary["augmentation"]["n_augmented"] > 0
    assert summary["clean"]["before"]["n"] == 30
    assert summary["config"]["model"]["spec"]["token_env"] == "LOOP_MODEL_TOKEN"  # the name, never the value
    train_after = json.loads((out / "state.json").read_text())["stages"]["train_after"]
    assert train_after["soft_targets"]  # the served model taught the new LSTM
    assert files_holding(out, TOKEN) == []
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err + "\n".join(messages)

    # Another variable holding the token and other HTTP settings: the same run, resumed, nothing redone.
    monkeypatch.setenv("OTHER_TOKEN", TOKEN)
    again = with_settings(config, ["model.spec.token_env=OTHER_TOKEN", "model.spec.http_batch_size=8"])
    messages = []
    resumed = run_loop(again, out, progress=False, log=messages.append)
    assert sum("already done" in m for m in messages) == len(summary["timings"]) - 1
    assert resumed["after"]["tests"] == summary["after"]["tests"]
    assert files_holding(out, TOKEN) == []


def test_train_with_the_loop_yml_is_taught_by_a_served_model(served, tmp_path, tiny_imdb_archive, monkeypatch, capsys,
                                                               one_torch_thread):
    """`robustness train --config loop.yml` with a URL in model.existing: a new model on teacher targets from the
    served model (opened with model.spec's token), as the loop's retrain stage would train it."""
    import yaml

    from tests.robustness.helpers import run_cli

    (tmp_path / "suite.yml").write_text(SUITE, encoding="utf-8")
    monkeypatch.setenv("LOOP_MODEL_TOKEN", TOKEN)
    data = loop_dict(served, tmp_path / "suite.yml", tiny_imdb_archive, {"token_env": "LOOP_MODEL_TOKEN"})
    data["retrain"]["targets"] = "teacher"
    (tmp_path / "loop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = run_cli(["train", "--config", tmp_path / "loop.yml", "--out", tmp_path / "taught", "--no-progress"],
                             capsys)
    assert code in (0, None), err
    metrics = json.loads((tmp_path / "taught" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["soft_targets"] is True and files_holding(tmp_path / "taught", TOKEN) == []


def test_augment_with_the_loop_yml_asks_the_served_model_which_rows_it_fails(served, tmp_path, tiny_imdb_archive,
                                                                              monkeypatch, capsys, one_torch_thread):
    """`robustness augment --config loop.yml` without --model opens model.existing with model.spec's token."""
    import yaml

    from tests.robustness.helpers import run_cli

    (tmp_path / "suite.yml").write_text(SUITE, encoding="utf-8")
    monkeypatch.setenv("LOOP_MODEL_TOKEN", TOKEN)
    data = loop_dict(served, tmp_path / "suite.yml", tiny_imdb_archive, {"token_env": "LOOP_MODEL_TOKEN"})
    (tmp_path / "loop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = run_cli(["augment", "--config", tmp_path / "loop.yml", "--out", tmp_path / "aug.csv"], capsys)
    assert code in (0, None), err
    assert (tmp_path / "aug.csv").stat().st_size > 0 and files_holding(tmp_path, TOKEN) == []
    # the command's own flags, when given, win over model.spec for model.existing too
    (tmp_path / "plain.yml").write_text(yaml.safe_dump(loop_dict(served, tmp_path / "suite.yml", tiny_imdb_archive)),
                                        encoding="utf-8")
    code, out, err = run_cli(["augment", "--config", tmp_path / "plain.yml", "--token-env", "LOOP_MODEL_TOKEN",
                              "--out", tmp_path / "aug2.csv"], capsys)
    assert code in (0, None), err


@pytest.mark.parametrize("spec, env, fragments", [
    (None, None, ["answered HTTP 401", "pass model.spec.token_env NAME"]),
    ({"token_env": "LOOP_MODEL_TOKEN"}, "wrong", ["answered HTTP 401", "model.spec.token_env"]),
    ({"token_env": "LOOP_MODEL_TOKEN"}, None, ["model.spec.token_env LOOP_MODEL_TOKEN: the environment variable "
                                               "LOOP_MODEL_TOKEN is not set or empty"]),
])
def test_a_refused_or_missing_token_fails_in_one_line_before_anything_is_written(
        served, tmp_path, tiny_imdb_archive, monkeypatch, capsys, spec, env, fragments):
    import yaml

    from tests.robustness.helpers import assert_user_error, run_cli

    monkeypatch.delenv("LOOP_MODEL_TOKEN", raising=False)
    if env is not None:
        monkeypatch.setenv("LOOP_MODEL_TOKEN", env)
    (tmp_path / "suite.yml").write_text(SUITE, encoding="utf-8")
    data = loop_dict(served, tmp_path / "suite.yml", tiny_imdb_archive, spec)
    with pytest.raises(ModelError) as info:
        run_loop(loop_config_from_dict(data), tmp_path / "out", progress=False, log=lambda message: None)
    assert "\n" not in str(info.value) and "--token-env" not in str(info.value)
    assert all(fragment in str(info.value) for fragment in fragments), str(info.value)

    path = tmp_path / "loop.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_cli(["loop", "--config", path, "--out", tmp_path / "out", "--no-progress"], capsys)
    assert_user_error(result, *fragments, code=2)
    assert TOKEN not in result[1] + result[2] and not (tmp_path / "out").exists()


def test_options_reach_only_the_existing_model(tiny_lstm_dir):
    """The loop's own LSTMs open without `model.spec` (labels would be refused there); `model.existing` with it."""
    from robustness.loop.models import load_spec, open_model

    config = loop_config_from_dict({"model": {"existing": "hf:some/model", "spec": {"labels": ["neg", "pos"]}}})
    assert config.model.opens("hf:some/model") and not config.model.opens(tiny_lstm_dir)
    assert load_spec(tiny_lstm_dir, config.model).labels == load_spec(tiny_lstm_dir).labels
    on_dir = loop_config_from_dict({"model": {"existing": f"{tiny_lstm_dir}/", "spec": {"labels": "neg,pos"}}})
    assert on_dir.model.opens(tiny_lstm_dir)  # the same directory however it is written (train passes a Path)
    with pytest.raises(UsageError, match="drop model.spec.labels"):
        open_model(tiny_lstm_dir, on_dir.model)


def test_the_fingerprint_of_a_config_without_model_spec_is_unchanged():
    """Runs started before `model.spec` existed resume: a default block dumps and fingerprints as no block."""
    import hashlib

    plain = loop_config_from_dict({"model": {"existing": "http://127.0.0.1:1/"}})
    dumped = plain.model_dump()
    assert "spec" not in plain.to_dict()["model"] and dumped["model"].pop("spec") == SpecSection().model_dump()
    before = hashlib.sha256(json.dumps({"loop": dumped, "data": "d", "suite": {}}, sort_keys=True).encode())
    explicit = loop_config_from_dict(plain.model_dump())  # the defaults written out, as a dumped loop.yml has them
    assert _fingerprint(explicit, "d", {}) == _fingerprint(plain, "d", {})
    assert _fingerprint(plain, "d", {}) == before.hexdigest()[:16]
    transport = with_settings(plain, ["model.spec.token_env=T", "model.spec.http_timeout=5", "model.spec.trust=[a]"])
    assert _fingerprint(transport, "d", {}) == _fingerprint(plain, "d", {})
    assert _fingerprint(with_settings(plain, ["model.spec.labels=neg,pos"]), "d", {}) != _fingerprint(plain, "d", {})


@pytest.mark.parametrize("text, message", [
    ("model:\n  spec:\n    tokn_env: T\n", r"loop.yml: model.spec.tokn_env: unknown key; see the fields"),
    ("model:\n  spec:\n    http_timeout: 0\n", r"model.spec.http_timeout: input should be greater than 0 \(got 0\)"),
    ("model:\n  spec:\n    http_batch_size: 0\n", r"model.spec.http_batch_size: input should be greater than or equal"),
    ("model:\n  spec:\n    http_retries: -1\n", r"model.spec.http_retries"),
    ("model:\n  spec:\n    allow_download: yes please\n", r"model.spec.allow_download"),
    ("model:\n  spec: [token_env]\n", r"model.spec: "),
])
def test_model_spec_errors_name_the_dotted_field(tmp_path, text, message):
    path = tmp_path / "loop.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_loop_config(path)


def test_a_token_given_as_the_variable_name_is_refused_and_never_repeated():
    with pytest.raises(ConfigError) as info:
        loop_config_from_dict({"model": {"spec": {"token_env": "Bearer eyJ.s3cret-value"}}}, source="loop.yml")
    assert str(info.value).startswith("loop.yml: model.spec.token_env: give the name of an environment variable")
    assert "s3cret" not in str(info.value) and "eyJ" not in str(info.value)
    with pytest.raises(ConfigError) as info:
        with_settings(LoopConfig(), ["model.spec.token_env=s3cret-value"])
    assert "s3cret" not in str(info.value)


def test_set_reaches_the_spec_block_and_names_its_fields():
    config = with_settings(LoopConfig(), ["model.spec.token_env=MODEL_TOKEN", "model.spec.trust=a.B,c.D",
                                          "model.spec.labels=[negative, positive]", "model.spec.allow_download=true"])
    spec = config.model.spec
    assert (spec.token_env, spec.trust, spec.labels, spec.allow_download) == (
        "MODEL_TOKEN", ["a.B", "c.D"], ["negative", "positive"], True)
    kwargs = spec.load_kwargs()
    assert kwargs["http"].token_env == "MODEL_TOKEN" and kwargs["trust"] == ("a.B", "c.D")
    assert kwargs["labels"] == ("negative", "positive") and kwargs["allow_download"] is True
    with pytest.raises(ConfigError, match=r"--set: model.spec.http_concurrency: input should be greater"):
        with_settings(config, ["model.spec.http_concurrency=0"])
    with pytest.raises(ConfigError, match=r"model.spec.nope: unknown key"):
        with_settings(config, ["model.spec.nope=1"])


def test_the_defaults_are_the_commands_defaults():
    from model_adapters.http_adapter import HttpOptions
    from robustness.cli.model_options import ModelOptions

    kwargs, cli = SpecSection().load_kwargs(), ModelOptions()
    assert kwargs["http"] == HttpOptions() == cli.http
    assert (kwargs["allow_download"], kwargs["trust"], kwargs["labels"]) == (cli.allow_download, cli.trust, cli.labels)
