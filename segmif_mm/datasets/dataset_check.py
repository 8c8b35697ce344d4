"""Walk a whole split and report every problem at once."""
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from typing import (Callable, Iterator, List, NamedTuple, Optional, Sequence,
                    Tuple)

from mmengine.dataset import BaseDataset

from segmif_mm.utils import describe
from .file_pairing import Problem
from .transforms import LoadMultiModalAnnotations, LoadMultiModalImages

# What the loaders raise for a bad sample (named file errors are OSErrors);
# anything else (e.g. a KeyError from a broken config) propagates.
SAMPLE_ERRORS = (OSError, TypeError, ValueError)


class DatasetCheckError(ValueError):
    """A split has problems; the message lists every one.

    Attributes:
        problems (list[tuple[str, str]]): ``(sample, problem)`` pairs.
    """

    def __init__(self, message: str, problems: List[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class DatasetCheck(NamedTuple):
    """What :func:`check_dataset` found.

    Attributes:
        problems (list[tuple[str, str]]): ``(sample, problem)`` in sample
            order; a sample may have several.
        num_samples (int): Samples checked.
    """
    problems: List[Problem]
    num_samples: int

    def report(self, what: str) -> str:
        """A count, then one line per problem."""
        names = {name for name, _ in self.problems}
        lines = [
            f'{len(self.problems)} problem(s) in {len(names)} of '
            f'{self.num_samples} samples of {what}:'
        ]
        lines += [f'  {name}: {problem}' for name, problem in self.problems]
        return '\n'.join(lines)


def leaf_datasets(dataset) -> Iterator[BaseDataset]:
    """The datasets inside wrappers (``ConcatDataset``, ``RepeatDataset``,
    ``ClassBalancedDataset`` ...), each once."""
    if hasattr(dataset, 'datasets'):
        for part in dataset.datasets:
            yield from leaf_datasets(part)
    elif hasattr(dataset, 'dataset'):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def _pipeline_loaders(
    dataset: BaseDataset
) -> Tuple[LoadMultiModalImages, Optional[LoadMultiModalAnnotations]]:
    """The dataset pipeline's own loaders (so the check applies the same
    bit-depth rules and label settings as training); images with default
    rules if the pipeline has no ``LoadMultiModalImages``; labels only if
    the pipeline loads them."""
    transforms = getattr(dataset.pipeline, 'transforms', [])
    images = next(
        (t for t in transforms if isinstance(t, LoadMultiModalImages)),
        LoadMultiModalImages())
    labels = next(
        (t for t in transforms if isinstance(t, LoadMultiModalAnnotations)),
        None)
    return images, labels


def check_sample(info: dict, images: LoadMultiModalImages,
                 labels: Optional[LoadMultiModalAnnotations]) -> List[str]:
    """Every problem of one sample: each file is read and decoded, the
    sizes of visible, infrared and label compared, the label ids checked.

    Args:
        info (dict): A sample of a ``MultiModalSegDataset``
            (``img_path``, ``ir_path``, optional ``seg_map_path``,
            ``num_classes`` ...).
        images (LoadMultiModalImages): Loads the images.
        labels (LoadMultiModalAnnotations, optional): Loads the label;
            None skips it.

    Returns:
        list[str]: One line per problem (``Type: message``); empty if the
        sample is fine.
    """
    problems: List[str] = []

    def attempt(load: Callable, *args):
        try:
            return load(*args)
        except SAMPLE_ERRORS as err:
            problems.append(describe(err))
            return None

    img_path, ir_path = info['img_path'], info['ir_path']
    shape = None
    if ir_path == img_path:
        loaded = attempt(images, dict(img_path=img_path, ir_path=ir_path))
        shape = loaded and loaded['ori_shape']
    else:
        visible = attempt(images.load_visible, img_path)
        infrared = attempt(images.load_infrared, ir_path)
        if visible is not None and infrared is not None:
            attempt(images.pack_pair, {}, visible, infrared, img_path, ir_path)
        for image in (visible, infrared):
            if image is not None:
                shape = shape or image.shape[:2]
    if labels is not None and 'seg_map_path' in info:
        results = dict(info, seg_fields=[])
        if shape is not None:
            results.update(ori_shape=shape, img_path=img_path)
        attempt(labels, results)
    return problems


def _sample_name(dataset: BaseDataset, info: dict) -> str:
    """A sample's visible path relative to the visible folder, no suffix."""
    img_dir = dataset.data_prefix.get('img_path', '')
    return osp.splitext(osp.relpath(info['img_path'], img_dir or '.'))[0]


def check_dataset(
        dataset,
        indices: Optional[Sequence[int]] = None,
        num_workers: Optional[int] = None,
        progress: Optional[Callable[[], None]] = None) -> DatasetCheck:
    """Check every sample of a (possibly wrapped) multi-modal dataset.

    Decoding runs in threads (OpenCV and Pillow release the GIL). Nothing
    stops at a bad sample: all problems are returned.

    Args:
        dataset: A ``MultiModalSegDataset``, or a wrapper of such datasets.
        indices (Sequence[int], optional): Samples to check, numbered over
            the leaf datasets in order; None checks all (used to share the
            work between distributed ranks). Defaults to None.
        num_workers (int, optional): Threads. Defaults to the CPU count,
            at most 8.
        progress (Callable[[], None], optional): Called after each sample,
            e.g. a progress bar's ``update``.

    Returns:
        DatasetCheck: The problems and the number of samples checked.

    Raises:
        TypeError: A dataset's samples have no ``ir_path``.
    """
    jobs = []
    for leaf in leaf_datasets(dataset):
        leaf.full_init()
        images, labels = _pipeline_loaders(leaf)
        for i in range(len(leaf)):
            jobs.append((leaf, i, images, labels))
    if indices is not None:
        jobs = [jobs[i] for i in indices]

    def run(job) -> List[Problem]:
        leaf, index, images, labels = job
        info = leaf.get_data_info(index)
        if 'ir_path' not in info:
            raise TypeError(
                f'{type(leaf).__name__} samples have no `ir_path`; the data '
                'check reads registered visible/infrared datasets '
                '(MultiModalSegDataset and subclasses).')
        name = _sample_name(leaf, info)
        return [(name, problem)
                for problem in check_sample(info, images, labels)]

    workers = num_workers or min(8, os.cpu_count() or 1)
    problems: List[Problem] = []
    with ThreadPoolExecutor(workers) as pool:
        for found in pool.map(run, jobs):
            problems.extend(found)
            if progress is not None:
                progress()
    return DatasetCheck(problems, len(jobs))
