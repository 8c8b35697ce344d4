"""Check the PST900 download and lay it out for ``PST900Dataset``.

    python tools/dataset_converters/pst900.py PST900_DOWNLOAD
        [--out-dir data/PST900] [--dry-run] [--link] [--keep-going]
        [--workers N]

The PST900 archive unpacks to ``PST900_RGBT_Dataset/{train,test}/`` with
``rgb/``, ``thermal/`` (8-bit), ``labels/`` (ids 0-4), ``depth/`` and, in
some copies, ``thermal_raw/`` (16-bit): 597 train and 288 test samples of
1280x720. Give the archive's folder or ``PST900_RGBT_Dataset`` itself.
Every file is checked (names matched across the folders, the counts of the
release, decoding, sizes, label ids) and every problem is listed; then
``rgb/``, ``thermal/``, ``labels/`` and ``thermal_raw/`` (when present) are
copied (or linked) to ``data/PST900``; ``depth/`` is left out. Exit status
1 if a problem was found.
"""
import sys

from segmif_mm.datasets import PST900Dataset
from segmif_mm.datasets.release_layout import (convert_release, release_parser,
                                               same_layout_splits)

NUM_CLASSES = len(PST900Dataset.METAINFO['classes'])
SIZE = (1280, 720)
SPLITS = same_layout_splits(
    dict(vis='rgb', ir='thermal', label='labels', ir_raw='thermal_raw'),
    dict(train=597, test=288),
    optional=('ir_raw', ))


def main() -> None:
    args = release_parser('PST900', 'data/PST900').parse_args()
    sys.exit(convert_release(args, SPLITS, NUM_CLASSES, SIZE, 'train'))


if __name__ == '__main__':
    main()
