"""Helpers shared by the dataset and transform tests."""
from pathlib import Path
from typing import Dict

import cv2
import numpy as np


def write_image(path: Path, image: np.ndarray) -> Path:
    """Write ``image`` (OpenCV channel order) and create its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image), path
    return path


def random_triplet(rng: np.random.Generator,
                   shape=(24, 32),
                   num_classes=5) -> Dict[str, np.ndarray]:
    """A random visible (R, G, B), infrared and label triplet."""
    h, w = shape
    return dict(
        vis=rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        ir=rng.integers(0, 256, (h, w), dtype=np.uint8),
        label=rng.integers(0, num_classes, (h, w), dtype=np.uint8))
