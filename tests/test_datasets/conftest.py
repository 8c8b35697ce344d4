from pathlib import Path
from typing import Callable, Dict, Optional

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from multimodal_helpers import random_triplet, write_image


@pytest.fixture(autouse=True)
def mmseg_scope() -> None:
    """Build pipelines from mmseg's registries, as configs do."""
    init_default_scope('mmseg')


@pytest.fixture
def write_triplets() -> Callable:
    """Write triplets into ``root/{vis_dir,ir_dir,label_dir}/<name>``."""

    def _write(root: Path,
               names,
               vis_dir: str,
               ir_dir: str,
               label_dir: Optional[str],
               num_classes: int,
               shape=(24, 32),
               suffixes=('.png', '.png', '.png'),
               seed: int = 0) -> Dict[str, Dict[str, np.ndarray]]:
        rng = np.random.default_rng(seed)
        written = {}
        for name in names:
            sample = random_triplet(rng, shape, num_classes)
            write_image(root / vis_dir / f'{name}{suffixes[0]}',
                        cv2.cvtColor(sample['vis'], cv2.COLOR_RGB2BGR))
            write_image(root / ir_dir / f'{name}{suffixes[1]}', sample['ir'])
            if label_dir is not None:
                write_image(root / label_dir / f'{name}{suffixes[2]}',
                            sample['label'])
            written[name] = sample
        return written

    return _write
