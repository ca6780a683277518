"""Vectors for the tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def unit(rng: np.random.Generator, dim: int) -> npt.NDArray[np.float32]:
    """A random unit vector of float32."""
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.float32(np.linalg.norm(v))


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Cosine similarity in float64."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return float(a64 @ b64 / (np.linalg.norm(a64) * np.linalg.norm(b64)))


def sqlalchemy_url(url: str) -> str:
    """The test database's URL for SQLAlchemy's asyncpg dialect."""
    return url.replace("postgresql://", "postgresql+asyncpg://").replace("?sslmode=disable", "")
