"""Write the procedurally generated RGB-T demo dataset.

Example::

    python tools/misc/make_demo_data.py data/segmif_demo --num-train 48 \
        --num-test 16 --size 128 160 --seed 0

The output is deterministic in the arguments; rerunning leaves identical
files untouched.
"""
import argparse

from segmif_mm.datasets import generate_demo_dataset


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
