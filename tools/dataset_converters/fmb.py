"""Check the FMB download and lay it out for ``FMBDataset``.

    python tools/dataset_converters/fmb.py FMB_DOWNLOAD [--out-dir data/FMB]
        [--dry-run] [--link] [--keep-going] [--workers N]

The FMB archive (SegMiF's release) unpacks to
``{train,test}/{Visible,Infrared,Label,color}/<name>.png``: 1,220 train and
280 test pairs of 800x600, labels with ids 0-14. Every file is checked
(names matched across the folders, the counts of the release, decoding,
sizes, label ids) and every problem is listed; then ``Visible/``,
``Infrared/`` and ``Label/`` are copied (or linked) to ``data/FMB``.
``color/`` (colour-coded labels, for viewing) is left out. Exit status 1 if
a problem was found.
"""
import sys

from segmif_mm.datasets import FMBDataset
from segmif_mm.datasets.release_layout import (convert_release, release_parser,
                                               same_layout_splits)

NUM_CLASSES = len(FMBDataset.METAINFO['classes'])
SIZE = (800, 600)
SPLITS = same_layout_splits(
    dict(vis='Visible', ir='Infrared', label='Label'),
    dict(train=1220, test=280))


def main() -> None:
    args = release_parser('FMB', 'data/FMB').parse_args()
    sys.exit(convert_release(args, SPLITS, NUM_CLASSES, SIZE, 'train'))


if __name__ == '__main__':
    main()
