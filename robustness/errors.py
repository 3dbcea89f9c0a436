"""The error family, re-exported where the engine raises it; defined in `model_adapters.errors`, the lowest layer."""

from model_adapters.errors import (
                                   EXIT_GATE_FAILED,
                                   EXIT_INTERNAL,
                                   EXIT_MODEL,
                                   EXIT_OK,
                                   EXIT_USAGE,
                                   ConfigError,
                                   DataError,
                                   ModelError,
                                   ModelRuntimeError,
                                   RobustnessError,
                                   UsageError,
)

__all__ = ["RobustnessError", "UsageError", "ConfigError", "DataError", "ModelError", "ModelRuntimeError",
           "EXIT_OK", "EXIT_GATE_FAILED", "EXIT_USAGE", "EXIT_MODEL", "EXIT_INTERNAL"]
