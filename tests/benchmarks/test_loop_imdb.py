"""The shipped recipe (robustness/configs/loop_full_imdb.yml) is the loop config of the record that met the targets,
and benchmarks/loop_imdb.py --config runs it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from robustness.config_files import SHIPPED_DIR
from robustness.loop.config import LoopConfig, load_loop_config

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "loop_imdb.py"
RECORD = ROOT / "benchmarks" / "results" / "loop_imdb_dsm_newwords_tw10_v3_ds005_fail_syn_ant_r12.json"
spec = importlib.util.spec_from_file_location("loop_imdb", SCRIPT)
loop_imdb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loop_imdb)

# Fields the record's config had that the code no longer has, each at the one value the code now always uses
# (benchmarks/experiments.md, "Retired options"): dropping them changes nothing the recipe computes.
RETIRED = {"augment": {"include_passing": False},
           "retrain": {"dir_anchor": "teacher", "inv_tolerance": None, "blend": 1.0, "keep_epoch": "best"}}


# Sections the record predates, at the defaults the recipe uses: held-out families the recipe never augments and
# guards that only measure (tests/robustness/loop/test_transfer.py): they change none of its rows or its model.
ADDED = {"holdout": LoopConfig().holdout.model_dump(), "guards": LoopConfig().guards.model_dump(),
         # the fix stage with the one candidate the record ran: the augmented retrain is its 'after' model
         "fix": {"candidates": ["augment"], "max_clean_drop_pt": LoopConfig().fix.max_clean_drop_pt}}
# Fields the record predates inside a section it had, at their defaults (a table's column names and label map, a
# separate test file): the recipe reads aclImdb, where none of them applies.
ADDED_FIELDS = {"data": {"test_path": None, "text_column": None, "label_column": None, "label_map": None}}


def recorded_config() -> dict:
    record = json.loads(RECORD.read_text())
    assert all(record["targets"]["met"].values())
    config = record["config"]
    for section, fields in RETIRED.items():
        for field, value in fields.items():
            assert config[section].pop(field) == value, f"{section}.{field}"
    for section, fields in ADDED.items():
        assert section not in config
        config[section] = fields
    for section, fields in ADDED_FIELDS.items():
        assert not set(fields) & set(config[section])
        config[section].update(fields)
    return config


def test_the_shipped_recipe_is_the_config_of_the_record():
    recorded = recorded_config()
    shipped = load_loop_config("loop_full_imdb").to_dict()
    assert load_loop_config(SHIPPED_DIR / "loop_full_imdb.yml").to_dict() == shipped
    # what the record ran differently: a model trained beforehand, every epoch kept for analysis, the suite's path
    assert recorded["model"].pop("existing") == "/tmp/full_dsm" and shipped["model"].pop("existing") is None
    assert recorded["retrain"].pop("save_epochs") is True and shipped["retrain"].pop("save_epochs") is False
    assert Path(recorded["suite"].pop("config")).name == "suite_95.yml" and shipped["suite"].pop("config") == "suite_95"
    assert shipped == recorded
    assert (SHIPPED_DIR / "suite_95.yml").is_file()


def test_the_benchmark_runs_the_recipe_by_name_with_the_records_changes():
    argv = ["--config", "loop_full_imdb", "--model", "/tmp/full_dsm", "--set", "retrain.save_epochs=true",
            "--tag", "rerun"]
    config = loop_imdb.benchmark_config(loop_imdb.parse_args(argv)).to_dict()
    recorded = recorded_config()
    assert Path(recorded["suite"].pop("config")).name == "suite_95.yml" and config["suite"].pop("config") == "suite_95"
    assert config == recorded
