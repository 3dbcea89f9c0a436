"""Atomic file writing, re-exported for the engine; defined in `model_adapters.files`, the lowest layer that writes."""

from model_adapters.files import atomic_path, ensure_writable_dir, read_json_object, write_bytes, write_json, write_text

__all__ = ["atomic_path", "ensure_writable_dir", "read_json_object", "write_bytes", "write_json", "write_text"]
