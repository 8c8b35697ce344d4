"""Command-line arguments shared by the tools."""
import argparse
from typing import Any, Dict, Sequence, Tuple

from segmif_mm.deploy import PRECISIONS

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


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--precision {fp32,bf16}`` (default fp32;
    :mod:`segmif_mm.deploy.precision`) to ``parser`` (or to an argument
    group of one, e.g. to exclude ``--amp``)."""
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='fp32, or bf16 autocast (default: fp32)')


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--model``, ``--weights`` and ``--device`` (the arguments of
    :class:`~segmif_mm.apis.SegMiFInferencer`) to ``parser``."""
    parser.add_argument(
        '--model',
        help='model name (model-index.yml) or config file (default: the '
        'shipped fusion model)')
    parser.add_argument(
        '--weights', help="checkpoint (default: the model's shipped one)")
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')


def add_weight_file_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--fp32`` and ``--note KEY=VALUE ...`` (provenance kept in the
    file's ``meta``; :func:`add_notes` adds them) to a tool that writes a
    fusion-weight file."""
    parser.add_argument(
        '--fp32', action='store_true', help='keep float32 (default fp16)')
    parser.add_argument(
        '--note',
        nargs='+',
        default=[],
        type=_key_value,
        metavar='KEY=VALUE',
        help='provenance entries stored in meta as strings')


def _key_value(item: str) -> Tuple[str, str]:
    key, sep, value = item.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(f'takes KEY=VALUE, got {item!r}')
    return key, value


def add_notes(meta: Dict[str, Any],
              notes: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    """``meta`` with the ``--note`` entries added.

    Raises:
        ValueError: A note is named like an entry the tool records itself
            (e.g. ``iteration``), which it would replace.
    """
    clashes = sorted({key for key, _ in notes} & meta.keys())
    if clashes:
        raise ValueError(
            f'--note {", ".join(clashes)}: the tool records '
            f'{"this entry" if len(clashes) == 1 else "these entries"} '
            f'itself (its entries: {", ".join(meta)}). Give the note '
            'another name (e.g. training=...).')
    return {**meta, **dict(notes)}
