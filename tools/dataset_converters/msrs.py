"""Check the MSRS download and lay it out for ``MSRSDataset``.

    python tools/dataset_converters/msrs.py MSRS_DOWNLOAD [--out-dir data/MSRS]
        [--dry-run] [--link] [--keep-going] [--workers N]

The MSRS release (PIAFusion's repository) holds
``{train,test}/{vi,ir,Segmentation_labels}/<name>.png`` (names such as
``00001D``, ``00002N``): 1,083 train and 361 test pairs of 640x480, labels
with ids 0-8, beside folders this project does not read (e.g.
``Segmentation_visualize``). Every file is checked (names matched across
the folders, the counts of the release, decoding, sizes, label ids) and
every problem is listed; then the three folders are copied (or linked) to
``data/MSRS``. Exit status 1 if a problem was found.
"""
import sys

from segmif_mm.datasets import MSRSDataset
from segmif_mm.datasets.release_layout import (convert_release, release_parser,
                                               same_layout_splits)

NUM_CLASSES = len(MSRSDataset.METAINFO['classes'])
SIZE = (640, 480)
SPLITS = same_layout_splits(
    dict(vis='vi', ir='ir', label='Segmentation_labels'),
    dict(train=1083, test=361))


def main() -> None:
    args = release_parser('MSRS', 'data/MSRS').parse_args()
    sys.exit(convert_release(args, SPLITS, NUM_CLASSES, SIZE, 'train'))


if __name__ == '__main__':
    main()
