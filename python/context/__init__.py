"""The original CMOS's import path (``from context.mission_runtime import ...``), kept so its
automation runs unchanged; the code lives in the ``cmos`` package."""
