"""The shipped loop.yml is the loop benchmark's recipe that met the targets, flag for flag."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

from robustness.loop_config import load_loop_config

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "loop_imdb.py"
spec = importlib.util.spec_from_file_location("loop_imdb", SCRIPT)
loop_imdb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loop_imdb)


def test_shipped_loop_config_is_the_recipe_of_the_record():
    import json

    record = json.loads((ROOT / "benchmarks" / "results" / "loop_imdb_dsm_newwords_tw10_v3_ds005_fail_syn_ant_r12.json").read_text())
    assert all(record["targets"]["met"].values())
    argv = shlex.split(record["command"])[2:]
    flags = loop_imdb.benchmark_config(loop_imdb.parse_args(argv)).to_dict()
    shipped = load_loop_config(ROOT / "benchmarks" / "configs" / "loop_full_imdb.yml").to_dict()
    # what the record ran differently: a model trained beforehand, every epoch kept for analysis, the suite's full path
    flags["model"]["existing"] = None
    flags["retrain"]["save_epochs"] = False
    flags["suite"]["config"] = str(Path(flags["suite"]["config"]).relative_to(ROOT))
    assert shipped == flags
