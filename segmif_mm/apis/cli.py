"""Command-line arguments shared by the tools."""
import argparse
from typing import Sequence

DEFAULT_SHAPE = (480, 640)


def add_shape_argument(
        parser: argparse.ArgumentParser,
        default: Sequence[int] = DEFAULT_SHAPE,
        help: str = 'input height and width (default: 480 640)') -> None:
    """Add ``--shape H W`` (two ints, stored as a list) to ``parser``."""
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=list(default),
        metavar=('H', 'W'),
        help=help)
