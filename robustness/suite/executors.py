"""Where a suite's perturbation tests run: in process (the default), or spread over a Ray cluster.

The reviews are cut into the slices a local run makes (run.CHUNK_SOURCES reviews each). A Ray actor per worker
opens the model once and turns a slice into its case records exactly as a local run does (run.slice_records: a
case depends only on its seed, test and review, and a slice is predicted with the same batches everywhere), and the
driver tallies and writes them in slice order: results.json and the cases file are the local run's, timings
aside, whatever the number of workers. A worker that dies is replaced and its slices run again (reported in
the run's timings and on stderr); a slice that fails twice ends the run with that error: no case is dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

import numpy as np

from model_adapters.errors import ModelRuntimeError
from robustness.data.datasets import Dataset
from robustness.errors import UsageError
from robustness.models.predictor import CachedPredictor
from robustness.suite.run import CHUNK_SOURCES, slice_records

MAX_ATTEMPTS = 2          # runs of one slice before the run fails
SLICES_PER_WORKER = 2     # slices queued per worker: one running, one waiting, so no worker idles between them


class _SliceExecutor:
    """What every executor keeps: the clean predictions gathered from the slices, the workers' model time and calls,
    and the slices run again after a worker died."""

    name = ""
    pool_shares_deaths = False  # True where one dead worker fails every queued slice, so the culprit is unknown

    def __init__(self, open_model: Callable, workers: int | None, log: Callable[[str], None] | None):
        self.open_model = open_model
        self.workers = workers
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.retries: list[dict] = []
        self.original_proba: np.ndarray | None = None
        self._stats = {"predict_s": 0.0, "n_unique_texts": 0, "n_model_batches": 0}
        self._n_workers = 0

    def _take(self, start: int, proba, stats: dict) -> None:
        self.original_proba[start:start + len(proba)] = proba
        for key in self._stats:
            self._stats[key] += stats[key]

    def _died(self, start: int, end: int, attempts: int, exc: BaseException) -> None:
        """Count a dead worker's slice, or end the run when it was that slice's last attempt."""
        where = f"reviews {start}-{end - 1}" + (" or a slice running beside them" if self.pool_shares_deaths else "")
        if attempts >= MAX_ATTEMPTS:
            raise ModelRuntimeError(f"a {self.name} worker died twice on {where}; last error: "
                                    f"{_first_line(exc)}") from None
        self.retries.append({"reviews": [start, end - 1], "error": _first_line(exc)})
        self.log(f"[{self.name}] a worker died on {where} ({type(exc).__name__}); running its slices again on a "
                 f"new worker")

    def _in_order(self, dataset: Dataset, polarity, submit: Callable, result: Callable, replace: Callable):
        """(case records, generation seconds) of each slice in slice order, SLICES_PER_WORKER slices in flight per
        worker. `submit(chunk, worker)` starts a slice and returns its handle; `result(handle)` waits for it, raising
        _WorkerDied when its worker died; `replace(worker)` starts a new worker for a dead one and returns the
        workers whose queued slices were lost with it (run again, the dead slice's attempt counted)."""
        starts = list(range(0, len(dataset), CHUNK_SOURCES))
        self.original_proba = np.zeros((len(dataset), len(polarity.labels)))

        def launch(position: int, worker: int, attempts: int = 1) -> list:
            start = starts[position]
            chunk = dataset.subset(range(start, min(start + CHUNK_SOURCES, len(dataset))))
            return [start, submit(chunk, worker), worker, attempts]

        queued = deque(launch(i, i % self._n_workers)
                       for i in range(min(len(starts), self._n_workers * SLICES_PER_WORKER)))
        next_position = len(queued)
        while queued:
            start, handle, worker, attempts = queued[0]
            try:
                proba, records, generate_s, stats = result(handle)
            except _WorkerDied as died:
                self._died(start, min(start + CHUNK_SOURCES, len(dataset)), attempts, died.cause)
                lost = replace(worker)
                for entry in queued:
                    if entry[2] in lost:
                        entry[:] = launch(starts.index(entry[0]), entry[2], entry[3] + (entry is queued[0]))
                continue
            queued.popleft()
            self._take(start, proba, stats)
            if next_position < len(starts):
                queued.append(launch(next_position, worker))
                next_position += 1
            yield records, generate_s

    def add_timings(self, timings: dict) -> dict:
        """The run's timings with the workers' model time and calls added, and what ran where."""
        return timings | {
            "predict_s": round(timings["predict_s"] + self._stats["predict_s"], 4),
            "n_unique_texts": timings["n_unique_texts"] + self._stats["n_unique_texts"],
            "n_model_batches": timings["n_model_batches"] + self._stats["n_model_batches"],
            "executor": {"name": self.name, "address": getattr(self, "address", None) or "local",
                         "workers": self._n_workers, "retried_slices": self.retries},
        }


class ProcessExecutor(_SliceExecutor):
    """Run the suite's slices in `workers` local processes (`--workers N`): generation, tokenisation and
    prediction all spread over the cores, one torch thread per process."""

    name = "processes"
    pool_shares_deaths = True

    def run(self, config, dataset: Dataset, polarity):
        self._n_workers = self.workers
        pool = None

        def new_pool() -> set:  # a dead process breaks the whole pool: every queued slice runs again on a new one
            nonlocal pool
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(self._n_workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_process_worker, initargs=(self.open_model,))
            return set(range(self._n_workers))

        def result(future):
            try:
                return future.result()
            except BrokenProcessPool as exc:
                raise _WorkerDied(exc) from None

        new_pool()
        try:
            yield from self._in_order(
                dataset, polarity, lambda chunk, _worker: pool.submit(_run_process_slice, config, chunk, polarity),
                result, lambda _worker: new_pool())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


_PROCESS_WORKER = None


def _start_process_worker(open_model: Callable) -> None:
    os.environ["OMP_NUM_THREADS"] = "1"  # before the model loads torch: one thread per process, cores taken by processes
    global _PROCESS_WORKER
    _PROCESS_WORKER = SliceWorker(open_model)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _run_process_slice(config, chunk: Dataset, polarity):
    return _PROCESS_WORKER.run_slice(config, chunk, polarity)


class RayExecutor(_SliceExecutor):
    """Run the suite's slices on Ray actors. `open_model` (picklable, no arguments) opens the model in each worker;
    `address` joins a running cluster (None: the one this process started or a new local one); `workers` actors of
    one CPU each (None: every CPU of the cluster)."""

    name = "ray"

    def __init__(self, open_model: Callable, address: str | None = None, workers: int | None = None,
                 log: Callable[[str], None] | None = None):
        super().__init__(open_model, workers, log)
        self.address = address

    def run(self, config, dataset: Dataset, polarity):
        """(case records, generation seconds) of each slice, in the order a local run makes them; afterwards
        `original_proba` holds the clean predictions of every review."""
        ray = _ray()
        _connect(ray, self.address)
        worker_class = ray.remote(num_cpus=1)(SliceWorker)
        free = int(ray.available_resources().get("CPU", 0))
        if self.workers and self.workers > free:  # an actor that cannot be placed would wait for ever
            raise UsageError(f"--workers {self.workers}: the Ray cluster has {free} free CPU(s); ask for at most that "
                             f"many, or add nodes")
        if not self.workers and not free:
            raise UsageError("the Ray cluster has no free CPU for a worker; wait for its other jobs, or add nodes")
        self._n_workers = self.workers or free
        actors = [worker_class.remote(self.open_model) for _ in range(self._n_workers)]
        try:
            yield from self._run_on(ray, worker_class, actors, config, dataset, polarity)
        finally:  # whatever happened (an error, a caller that stopped reading), the actors give their CPUs back
            for handle in actors:
                ray.kill(handle)

    def _run_on(self, ray, worker_class, actors: list, config, dataset: Dataset, polarity):
        def result(ref):
            try:
                return ray.get(ref)
            except ray.exceptions.RayActorError as exc:
                raise _WorkerDied(exc) from None

        def replace(worker: int) -> set:  # only the slices queued on the dead actor are lost
            ray.kill(actors[worker])
            actors[worker] = worker_class.remote(self.open_model)
            return {worker}

        yield from self._in_order(dataset, polarity,
                                  lambda chunk, worker: actors[worker].run_slice.remote(config, chunk, polarity),
                                  result, replace)


class _WorkerDied(Exception):
    """A slice's worker died before it answered (`cause`: what the executor's engine raised)."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


class SliceWorker:
    """One worker (a Ray actor or a local process): the model opened once, and a prediction cache kept across the
    slices it runs."""

    def __init__(self, open_model: Callable):
        model = open_model()
        self.model = getattr(model, "model", model)  # a ResolvedModel, or the model itself
        self.predictor = None

    def run_slice(self, config, chunk: Dataset, polarity):
        if self.predictor is None:
            self.predictor = CachedPredictor(self.model, config.harness.batch_size)
        predictor = self.predictor
        predictor.forget()  # as a local run does: a slice's probabilities never depend on earlier slices
        before = (predictor.predict_seconds, predictor.n_unique_texts, predictor.n_model_calls)
        proba = predictor.predict(chunk.texts)
        records, generate_s = slice_records(config, chunk, predictor, polarity, proba)
        stats = {"predict_s": predictor.predict_seconds - before[0],
                 "n_unique_texts": predictor.n_unique_texts - before[1],
                 "n_model_batches": predictor.n_model_calls - before[2]}
        return proba, records, generate_s, stats


def executor_for(name: str, open_model: Callable, address: str | None, workers: int | None):
    """None for the in-process run, a ProcessExecutor for `local` with `--workers` above 1, else the RayExecutor;
    `--ray-address` needs `--executor ray`."""
    if name == "local":
        if address:
            raise UsageError("--ray-address applies to --executor ray; add it, or drop --ray-address")
        return ProcessExecutor(open_model, workers, None) if workers and workers > 1 else None
    _ray()
    return RayExecutor(open_model, address, workers)


def _ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--executor ray needs Ray: pip install 'sentiment-robustness-harness[ray]' "
                         "(or pip install ray)") from None
    return ray


def _connect(ray, address: str | None) -> None:
    if ray.is_initialized():
        return
    started = time.perf_counter()
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"--ray-address {address}: cannot join the Ray cluster ({_first_line(exc)}); start one "
                         f"with `ray start --head` and pass the address it prints") from None
    print(f"[ray] connected to {address or 'a new local cluster'} in {time.perf_counter() - started:.1f}s",
          file=sys.stderr, flush=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
