"""The README's model-zoo table, generated from the metafiles.

    # print the table
    python tools/misc/model_zoo_table.py
    # rewrite the README section between the markers
    python tools/misc/model_zoo_table.py --write
    # exit status 1 if the README's table differs from the metafiles
    python tools/misc/model_zoo_table.py --check
    # new weights: put their fusion metrics (tools/eval_fusion.py --out
    # JSON) and training facts into the metafile, then rewrite the README
    python tools/misc/model_zoo_table.py --write \
        --update segmif_mit-b3_1xb4-fusion-only-300-ratio_roadscene-96x96 \
        --fusion-metrics scores.json [--dataset 'RoadScene eval ...'] \
        [--iterations 700] [--resources '1x CPU (2-core Xeon)']

The table (between ``<!-- model-zoo start -->`` and ``<!-- model-zoo end
-->`` in README.md) has one row per model of ``model-index.yml``: config,
training data, segmentation protocols (which classes count in the mean),
iterations and hardware, results with the set they were measured on, and
the weights (a path inside the installed package, or none).
"""
import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from mmengine.fileio import load

from segmif_mm.apis.model_index import MODEL_INDEX, load_model_index, metafiles
from segmif_mm.utils import find_resource

START = ('<!-- model-zoo start: generated from the metafiles by '
         'tools/misc/model_zoo_table.py; do not edit -->')
END = '<!-- model-zoo end -->'
#: Fusion metrics shown in the table (the paper's four; the metafiles hold
#: all twelve).
TABLE_METRICS = ('EN', 'SD', 'SF', 'SCD')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate the README's model-zoo table from the "
        'metafiles')
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        '--write',
        action='store_true',
        help='rewrite the README section between the markers')
    action.add_argument(
        '--check',
        action='store_true',
        help='exit with status 1 if the README differs from the metafiles')
    parser.add_argument(
        '--readme',
        help='README to rewrite or check (default: README.md beside '
        'model-index.yml)')
    parser.add_argument(
        '--update', metavar='MODEL', help='model whose metafile entry to set')
    parser.add_argument(
        '--fusion-metrics',
        metavar='JSON',
        help='with --update: output of tools/eval_fusion.py --out; its means '
        'become the Image Fusion results')
    parser.add_argument(
        '--dataset',
        help='with --update: the set the metrics were measured on (default: '
        'the one in the metafile)')
    parser.add_argument(
        '--iterations',
        type=int,
        help='with --update: Metadata "Training Iterations"')
    parser.add_argument(
        '--resources', help='with --update: Metadata "Training Resources"')
    args = parser.parse_args()
    if not args.update and (args.fusion_metrics or args.dataset
                            or args.iterations or args.resources):
        parser.error('--fusion-metrics, --dataset, --iterations and '
                     '--resources need --update MODEL.')
    return args


def _cell(text: str) -> str:
    return str(text).replace('|', '\\|').replace('\n', ' ')


def protocols_cell(protocols: Optional[Dict[str, List[str]]]) -> str:
    """``all; no_unlabeled (− unlabeled)`` or the fusion-only note."""
    if not protocols:
        return 'none (no segmentation branch trained)'
    return '; '.join(
        name +
        (f' (− {", ".join(excluded)})' if excluded else ' (every class)')
        for name, excluded in protocols.items())


def results_cell(results: Optional[List[dict]]) -> str:
    """The metrics of each result with its task and set; 'none' (the
    training resources say why)."""
    if not results:
        return 'none'
    cells = []
    for result in results:
        metrics = result['Metrics']
        shown = [key
                 for key in TABLE_METRICS if key in metrics] or list(metrics)
        values = ', '.join(f'{key} {metrics[key]}' for key in shown)
        more = len(metrics) - len(shown)
        cells.append(f'{result["Task"]}, {result["Dataset"]}: {values}' +
                     (f' (+{more} in the metafile)' if more else ''))
    return '<br>'.join(cells)


def render_table(models: Dict[str, dict]) -> str:
    """The markdown table of the model zoo, one row per model."""
    lines = [
        '| model (config) | training data | segmentation protocols | '
        'iterations, hardware | results | weights |',
        '|---|---|---|---|---|---|',
    ]
    for name, model in models.items():
        meta = model['Metadata']
        weights = model.get('Weights')
        cells = [
            f'[{name}]({model["Config"]})', meta['Training Data'],
            protocols_cell(meta.get('Segmentation Protocols')),
            f'{meta["Training Iterations"]:,}; {meta["Training Resources"]}',
            results_cell(model.get('Results')),
            f'`{weights}` (installed as `segmif_mm/.mim/{weights}`)'
            if weights else 'none'
        ]
        lines.append('| ' + ' | '.join(map(_cell, cells)) + ' |')
    return '\n'.join(lines)


def replace_section(text: str, table: str, readme: str) -> str:
    """``text`` with the part between :data:`START` and :data:`END` set to
    ``table``.

    Raises:
        ValueError: The markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f'{readme} lacks the lines {START!r} and {END!r} '
                         '(in that order) around the model-zoo table.')
    return text[:start + len(START)] + '\n' + table + '\n' + text[end:]


def update_model(metafile: dict, name: str, fusion_metrics: Optional[dict],
                 dataset: Optional[str], iterations: Optional[int],
                 resources: Optional[str]) -> None:
    """Set a model's fusion results and training facts in a loaded
    metafile (in place).

    Args:
        metafile (dict): The loaded metafile.
        name (str): The model.
        fusion_metrics (dict, optional): ``tools/eval_fusion.py`` output
            (``mean`` by metric, ``num_images``).
        dataset (str, optional): The evaluation set; None keeps the
            metafile's (required when it has none).
        iterations (int, optional): ``Training Iterations``.
        resources (str, optional): ``Training Resources``.

    Raises:
        KeyError: No such model in the metafile.
        ValueError: No set to name the metrics by.
    """
    model = next((m for m in metafile['Models'] if m['Name'] == name), None)
    if model is None:
        raise KeyError(f'No model {name!r} in this metafile.')
    if iterations is not None:
        model['Metadata']['Training Iterations'] = iterations
    if resources is not None:
        model['Metadata']['Training Resources'] = resources
    if fusion_metrics is None:
        return
    results = [
        r for r in model.get('Results') or [] if r['Task'] != 'Image Fusion'
    ]
    old = next(
        (r for r in model.get('Results') or [] if r['Task'] == 'Image Fusion'),
        {})
    dataset = dataset or old.get('Dataset')
    if not dataset:
        raise ValueError(f'{name} has no fusion result yet: name the set '
                         'the metrics were measured on with --dataset.')
    results.append(
        dict(
            Task='Image Fusion',
            Dataset=dataset,
            Metrics={
                key: float(f'{value:.4g}')
                for key, value in fusion_metrics['mean'].items()
            }))
    model['Results'] = results


def dump_metafile(data: dict, path: Path) -> None:
    """Write a metafile as the committed ones are written."""
    with open(path, 'w') as f:
        yaml.safe_dump(data, f, sort_keys=False, allow_unicode=True, width=79)


def main() -> None:
    args = parse_args()
    if args.update:
        path = next(
            (p for p in metafiles() if any(m['Name'] == args.update
                                           for m in load(str(p))['Models'])),
            None)
        if path is None:
            raise KeyError(f'No model {args.update!r} in the metafiles; '
                           f'known: {sorted(load_model_index())}.')
        data = load(str(path))
        update_model(
            data, args.update,
            load(args.fusion_metrics) if args.fusion_metrics else None,
            args.dataset, args.iterations, args.resources)
        dump_metafile(data, path)
        print(f'{args.update} updated in {path}')
    table = render_table(load_model_index())
    if not (args.write or args.check):
        print(table)
        return
    # beside the clone's model-index.yml (which the packaged one links to
    # in an editable install)
    readme = Path(
        args.readme
        or find_resource(MODEL_INDEX).resolve().parent / 'README.md')
    if not readme.is_file():
        raise FileNotFoundError(f'{readme} does not exist; name the README '
                                'with --readme.')
    text = readme.read_text(encoding='utf-8')
    new_text = replace_section(text, table, str(readme))
    if args.check:
        if new_text != text:
            print(f'{readme}: the model-zoo table differs from the '
                  'metafiles; run python tools/misc/model_zoo_table.py '
                  '--write')
            sys.exit(1)
        print(f'{readme}: the model-zoo table matches the metafiles.')
    elif new_text != text:
        readme.write_text(new_text, encoding='utf-8')
        print(f'{readme}: model-zoo table rewritten.')
    else:
        print(f'{readme}: model-zoo table already up to date.')


if __name__ == '__main__':
    main()
