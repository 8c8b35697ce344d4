"""Write the procedurally generated RGB-T demo dataset.

Example::

    python tools/misc/make_demo_data.py data/segmif_demo --num-train 48 \
        --num-test 16 --size 128 160 --seed 0

The output is deterministic in the arguments; rerunning leaves identical
files untouched. The scenes are read by ``SegMiFDemoDataset``
(``segmif_mm.datasets``); tests import :func:`generate_demo_dataset` from
here.
"""
import argparse
import os
import os.path as osp
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np

from segmif_mm.datasets import SegMiFDemoDataset
from segmif_mm.utils import write_atomically

DEMO_CLASSES = SegMiFDemoDataset.METAINFO['classes']
BACKGROUND, PERSON, CAR, SIGN = range(len(DEMO_CLASSES))
NIGHT_ROAD = np.array((22, 22, 25), np.float32)
Point = Tuple[int, int]


def _shape_mask(size: Tuple[int, int], draw, *args, **kwargs) -> np.ndarray:
    """Boolean mask of one OpenCV drawing call on an empty canvas."""
    canvas = np.zeros(size, np.uint8)
    draw(canvas, *args, color=1, thickness=-1, lineType=cv2.LINE_8, **kwargs)
    return canvas.astype(bool)


def _poly_mask(size: Tuple[int, int], points: List[Point]) -> np.ndarray:
    """Boolean mask of a filled polygon."""
    canvas = np.zeros(size, np.uint8)
    cv2.fillPoly(canvas, [np.array(points, np.int32)], 1, cv2.LINE_8)
    return canvas.astype(bool)


def _draw_person(rng: np.random.Generator, vis: np.ndarray, ir: np.ndarray,
                 label: np.ndarray, x: int, bottom: int, day: bool) -> None:
    """Head, torso and legs; warm in IR, dark clothing at night."""
    size = label.shape
    height = int(rng.integers(26, 50))
    width = max(6, int(height * 0.36))
    head_r = max(2, height // 8)
    top = bottom - height
    torso = _shape_mask(size, cv2.rectangle,
                        (x - width // 2, top + 2 * head_r),
                        (x + width // 2, bottom - height * 2 // 5))
    legs = _shape_mask(size, cv2.rectangle,
                       (x - width // 2 + 1, bottom - height * 2 // 5),
                       (x + width // 2 - 1, bottom))
    gap = _shape_mask(size, cv2.rectangle, (x - 1, bottom - height // 4),
                      (x, bottom))
    head = _shape_mask(size, cv2.circle, (x, top + head_r), head_r)
    body = (torso | legs | head) & ~gap
    if day:
        vis[torso] = rng.uniform(40, 220, 3)
        vis[legs & ~gap] = rng.uniform(30, 120, 3)
        vis[head] = (205, 165, 135)
    else:
        vis[body] = NIGHT_ROAD + rng.uniform(2, 6)
    ir[body] = rng.uniform(205, 235)
    ir[head] = min(ir[body].max() + 10, 250)
    label[body] = PERSON


def _draw_car(rng: np.random.Generator, vis: np.ndarray, ir: np.ndarray,
              label: np.ndarray, x: int, bottom: int, day: bool) -> None:
    """Body, windows and wheels; hot engine and wheels, lights at night."""
    size = label.shape
    width = int(rng.integers(34, 62))
    height = int(width * rng.uniform(0.4, 0.5))
    left, top = x - width // 2, bottom - height
    lower = _shape_mask(size, cv2.rectangle, (left, top + height // 2),
                        (left + width, bottom - height // 6))
    cabin = _poly_mask(size, [(left + width // 6, top + height // 2),
                              (left + width // 4, top),
                              (left + width * 3 // 4, top),
                              (left + width * 5 // 6, top + height // 2)])
    window = _poly_mask(size,
                        [(left + width // 4 + 2, top + height // 2 - 1),
                         (left + width // 4 + 3, top + 2),
                         (left + width * 3 // 4 - 3, top + 2),
                         (left + width * 3 // 4 - 2, top + height // 2 - 1)])
    wheel_r = max(3, height // 5)
    wheels = _shape_mask(size, cv2.circle,
                         (left + width // 5, bottom - wheel_r), wheel_r) | \
        _shape_mask(size, cv2.circle,
                    (left + width * 4 // 5, bottom - wheel_r), wheel_r)
    paint = rng.uniform(0, 1, 3)
    paint = 60 + 180 * paint / paint.max()
    vis[lower | cabin] = paint if day else paint * 0.2
    vis[window] = (40, 50, 60) if day else (8, 8, 12)
    vis[wheels] = (20, 20, 20) if day else (5, 5, 5)
    ir[lower | cabin] = rng.uniform(135, 160) if day else rng.uniform(115, 140)
    ir[window] = 95
    ir[wheels] = 195
    front = _shape_mask(size, cv2.rectangle,
                        (left + width * 3 // 4, top + height // 2),
                        (left + width, top + height * 3 // 4))
    ir[front] = 215
    if not day:
        for lamp_x in (left + 2, left + width - 5):
            lamp = _shape_mask(size, cv2.rectangle,
                               (lamp_x, top + height // 2 + 2),
                               (lamp_x + 3, top + height // 2 + 4))
            vis[lamp] = (255, 240, 200)
    label[lower | cabin | wheels] = CAR


def _draw_sign(rng: np.random.Generator, vis: np.ndarray, ir: np.ndarray,
               label: np.ndarray, x: int, bottom: int, day: bool) -> None:
    """A painted plate on a pole: seen in RGB, flat in IR."""
    size = label.shape
    plate = int(rng.integers(14, 23))
    centre_y = bottom - int(rng.integers(18, 40))
    pole = _shape_mask(size, cv2.rectangle, (x - 1, centre_y), (x, bottom))
    vis[pole] = (130, 130, 130) if day else (35, 35, 35)
    half = plate // 2
    kind = int(rng.integers(0, 3))
    if kind == 0:
        mask = _shape_mask(size, cv2.circle, (x, centre_y), half)
    elif kind == 1:
        mask = _poly_mask(size, [(x, centre_y - half), (x + half, centre_y),
                                 (x, centre_y + half), (x - half, centre_y)])
    else:
        mask = _poly_mask(size, [(x - half, centre_y + half),
                                 (x + half, centre_y + half),
                                 (x, centre_y - half)])
    border = mask & ~cv2.erode(
        mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    colours = ((210, 30, 35), (30, 70, 200), (235, 200, 25))
    colour = np.array(colours[int(rng.integers(0, 3))], np.float32)
    brightness = 1.0 if day else 0.6
    vis[mask] = colour * brightness
    vis[border] = 245 * brightness
    label[mask] = SIGN


def _render_frame(rng: np.random.Generator, size: Tuple[int, int],
                  day: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render one frame.

    Returns:
        tuple[np.ndarray]: Visible RGB uint8 (H, W, 3), infrared uint8
        (H, W) and labels uint8 (H, W) with ids 0-3.
    """
    h, w = size
    ys = np.arange(h, dtype=np.float32)[:, None]
    horizon = int(h * rng.uniform(0.35, 0.45))
    vis = np.zeros((h, w, 3), np.float32)
    ir = np.zeros((h, w), np.float32)
    label = np.full((h, w), BACKGROUND, np.uint8)

    sky_t = (ys[:horizon] / max(horizon, 1))[..., None]
    if day:
        vis[:horizon] = (125, 170, 225) + sky_t * (65, 40, 10)
        vis[horizon:] = (100, 100, 105) + 0.4 * (
            ys[horizon:, :, None] - horizon)
    else:
        vis[:horizon] = (8, 10, 22) + sky_t * (6, 6, 6)
        vis[horizon:] = NIGHT_ROAD
    ir[:horizon] = 25 + 15 * sky_t[..., 0]
    ir[horizon:] = 115 if day else 70

    x = 0
    while x < w:
        bw = int(rng.integers(12, 30))
        bh = int(rng.integers(8, max(10, horizon - 4)))
        wall = _shape_mask((h, w), cv2.rectangle, (x, horizon - bh),
                           (x + bw, horizon))
        tone = rng.uniform(90, 170)
        tint = (1.0, 0.95, 0.9) if day else (0.12, 0.12, 0.14)
        vis[wall] = tone * np.array(tint, np.float32)
        ir[wall] = rng.uniform(85, 110)
        if not day and rng.uniform() < 0.5:
            lit = _shape_mask((h, w), cv2.rectangle, (x + 3, horizon - bh + 3),
                              (x + 6, horizon - bh + 6))
            vis[lit] = (230, 210, 150)
        x += bw + int(rng.integers(0, 6))

    dash_w = int(rng.integers(3, 6))
    for dash_y in range(horizon + 4, h, 14):
        dash = _shape_mask((h, w), cv2.rectangle, (w // 2 - dash_w, dash_y),
                           (w // 2 + dash_w, dash_y + 6))
        vis[dash] = (235, 235, 230) if day else (70, 70, 66)

    for _ in range(int(rng.integers(0, 3))):
        centre = (int(rng.integers(0, w)), int(rng.integers(horizon, h)))
        blob = _shape_mask((h, w), cv2.circle, centre, int(rng.integers(2, 5)))
        ir[blob] = rng.uniform(160, 190)

    objects = []
    for _ in range(int(rng.integers(1, 4))):
        objects.append((_draw_person, int(rng.integers(horizon + 8, h))))
    for _ in range(int(rng.integers(1, 3))):
        objects.append((_draw_car, int(rng.integers(horizon + 14, h))))
    for _ in range(int(rng.integers(1, 3))):
        objects.append((_draw_sign, horizon + int(rng.integers(2, 10))))
    for draw, bottom in sorted(objects, key=lambda item: item[1]):
        draw(rng, vis, ir, label, int(rng.integers(8, w - 8)), bottom, day)

    ir = cv2.GaussianBlur(ir, (0, 0), 0.8)
    fx = rng.uniform(0.02, 0.08)
    ir += 6 * np.sin(fx * np.arange(w, dtype=np.float32))[None]
    ir += rng.normal(0, 4, ir.shape)
    vis += rng.normal(0, 3 if day else 6, vis.shape)
    return (np.clip(np.rint(vis), 0, 255).astype(np.uint8),
            np.clip(np.rint(ir), 0, 255).astype(np.uint8), label)


def _write_png(path: str, image: np.ndarray) -> bool:
    """Write a PNG (atomically) unless the file already holds exactly these
    bytes.

    Returns:
        bool: Whether the file was (re)written.
    """
    ok, encoded = cv2.imencode('.png', image, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise OSError(f'OpenCV could not encode {path} as PNG.')
    data = encoded.tobytes()
    if osp.isfile(path):
        with open(path, 'rb') as f:
            if f.read() == data:
                return False
    write_atomically(path, lambda tmp: Path(tmp).write_bytes(data))
    return True


def generate_demo_dataset(root: str,
                          num_train: int = 48,
                          num_test: int = 16,
                          size: Tuple[int, int] = (128, 160),
                          seed: int = 0) -> Dict[str, List[str]]:
    """Write the synthetic RGB-T demo dataset read by
    :class:`SegMiFDemoDataset`.

    Even indices are day frames, odd indices night frames. The output is a
    deterministic function of the arguments: rerunning with the same
    arguments leaves identical files untouched (byte-exact), so the call is
    idempotent; files of other names already in the folders are kept.

    Args:
        root (str): Output folder; ``{train,test}/{vi,ir,labels}`` are
            created in it.
        num_train (int): Number of training frames. Defaults to 48.
        num_test (int): Number of test frames. Defaults to 16.
        size (tuple[int, int]): Frame size (H, W), at least 64 x 64.
            Defaults to (128, 160).
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict[str, list[str]]: Sample names per split (``'train'``,
        ``'test'``).
    """
    h, w = size
    if h < 64 or w < 64:
        raise ValueError(
            f'generate_demo_dataset needs size (H, W) of at least 64 x 64, '
            f'got {size}.')
    if num_train < 1 or num_test < 1:
        raise ValueError('generate_demo_dataset needs num_train >= 1 and '
                         f'num_test >= 1, got {num_train} and {num_test}.')
    names = {}
    splits = (('train', num_train), ('test', num_test))
    for split_id, (split, count) in enumerate(splits):
        folders = {
            key: osp.join(root, split, key)
            for key in ('vi', 'ir', 'labels')
        }
        for folder in folders.values():
            os.makedirs(folder, exist_ok=True)
        names[split] = []
        for index in range(count):
            day = index % 2 == 0
            name = f'{index:05d}{"D" if day else "N"}'
            rng = np.random.default_rng([seed, split_id, index])
            vis, ir, label = _render_frame(rng, (h, w), day)
            _write_png(
                osp.join(folders['vi'], name + '.png'),
                cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            _write_png(osp.join(folders['ir'], name + '.png'), ir)
            _write_png(osp.join(folders['labels'], name + '.png'), label)
            names[split].append(name)
    return names


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the SegMiF demo RGB-T segmentation dataset.')
    parser.add_argument(
        'out',
        nargs='?',
        default='data/segmif_demo',
        help='output folder (default: data/segmif_demo)')
    parser.add_argument(
        '--num-train', type=int, default=48, help='training frames')
    parser.add_argument('--num-test', type=int, default=16, help='test frames')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(128, 160),
        metavar=('H', 'W'),
        help='frame height and width')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    names = generate_demo_dataset(
        args.out,
        num_train=args.num_train,
        num_test=args.num_test,
        size=tuple(args.size),
        seed=args.seed)
    print(f'Demo dataset in {args.out}: {len(names["train"])} train, '
          f'{len(names["test"])} test frames of {args.size[0]}x'
          f'{args.size[1]}.')


if __name__ == '__main__':
    main()
