"""Check the MFNet download and lay it out for ``MFNetPackedDataset`` or
``MFNetDataset``.

    python tools/dataset_converters/mfnet.py MFNET_DOWNLOAD
        [--out-dir data/MFNet] [--layout packed|split] [--dry-run] [--link]
        [--keep-going] [--workers N]

The MFNet release (``ir_seg_dataset``) holds ``images/<name>.png`` (one
4-channel PNG per frame: R, G, B, thermal), ``labels/<name>.png`` (ids
0-8), ``visual/`` and the split files ``train.txt`` (784 frames),
``val.txt`` (392) and ``test.txt`` (393); every frame is 640x480. Every
listed frame is checked (the split files against the images and labels,
the counts of the release, decoding, sizes, label ids) and every problem is
listed. Then:

* ``--layout packed`` (default): ``images/``, ``labels/`` and the three
  split files, as the release has them, for ``MFNetPackedDataset``
  (``configs/_base_/datasets/mfnet_packed.py``);
* ``--layout split``: each frame unpacked into
  ``{train,test}/{visible,infrared,labels}/<name>.png`` (``train`` = the
  frames of ``train.txt`` and ``val.txt``, the common protocol), for
  ``MFNetDataset`` (``configs/_base_/datasets/mfnet.py``) and for the tools
  that take a visible and an infrared folder (``tools/fuse.py``,
  ``tools/eval_fusion.py``).

With ``--keep-going`` the split files written list the frames written.
Exit status 1 if a problem was found.
"""
import os.path as osp
import shutil
import sys
from typing import List

import cv2
import mmcv

from segmif_mm.datasets import LoadMultiModalImages, MFNetPackedDataset
from segmif_mm.datasets.release_layout import (ReleaseSample, ReleaseSplit,
                                               convert_release, copy_release,
                                               release_parser)
from segmif_mm.utils import atomic_backend_args, write_atomically

NUM_CLASSES = len(MFNetPackedDataset.METAINFO['classes'])
SIZE = (640, 480)
SPLITS = [
    ReleaseSplit(
        split,
        dict(packed=('images', 'images'), label=('labels', 'labels')),
        num_samples,
        names_file=f'{split}.txt')
    for split, num_samples in (('train', 784), ('val', 392), ('test', 393))
]
#: Folder of each release split in the ``split`` layout.
SPLIT_FOLDERS = dict(train='train', val='train', test='test')


def write_names(path: str, names: List[str]) -> None:
    """A split file: one name per line."""

    def write(tmp: str) -> None:
        with open(tmp, 'w') as f:
            f.writelines(f'{name}\n' for name in names)

    write_atomically(path, write)


def write_packed(samples: List[ReleaseSample], out_dir: str,
                 link: bool) -> int:
    """The release's layout, with split files listing the samples."""
    written = copy_release(samples, out_dir, link)
    for split in SPLITS:
        write_names(
            osp.join(out_dir, split.names_file),
            [s.name for s in samples if s.split.split == split.split])
    return written + len(SPLITS)


def write_split(samples: List[ReleaseSample], out_dir: str, link: bool) -> int:
    """Visible, infrared and label files per frame."""
    if link:
        raise ValueError('--layout split decodes every frame into two '
                         'images; it cannot --link. Drop --link.')
    loader = LoadMultiModalImages()
    for sample in samples:
        packed = sample.files['packed']
        frame = loader(dict(img_path=packed, ir_path=packed))
        folder = osp.join(out_dir, SPLIT_FOLDERS[sample.split.split])
        for kind, image in (('visible',
                             cv2.cvtColor(frame['img'], cv2.COLOR_RGB2BGR)),
                            ('infrared', frame['ir'])):
            path = osp.join(folder, kind, f'{sample.name}.png')
            if not mmcv.imwrite(
                    image, path, backend_args=atomic_backend_args(path)):
                raise OSError(f'OpenCV could not write {path}.')
        write_atomically(
            osp.join(folder, 'labels', f'{sample.name}.png'),
            lambda tmp, label=sample.files['label']: shutil.copyfile(
                label, tmp))
    return 3 * len(samples)


def main() -> None:
    parser = release_parser('MFNet', 'data/MFNet')
    parser.add_argument(
        '--layout',
        choices=['packed', 'split'],
        default='packed',
        help='packed: the release layout (MFNetPackedDataset); split: one '
        'folder per modality (MFNetDataset)')
    args = parser.parse_args()
    write = write_packed if args.layout == 'packed' else write_split
    sys.exit(convert_release(args, SPLITS, NUM_CLASSES, SIZE, 'images', write))


if __name__ == '__main__':
    main()
