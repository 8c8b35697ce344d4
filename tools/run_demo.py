"""The main job on the embedded demo data, end to end on CPU (a few minutes).

1. writes the procedurally generated demo dataset to ``data/segmif_demo``;
2. trains ``configs/segmif_demo.py`` (alternating fusion/segmentation rounds,
   validation after each round);
3. tests the last checkpoint: prints the segmentation and fusion tables and
   writes fused images, coloured segmentations and side-by-side panels.

Each step is the ordinary tool, printed before it runs. Data and work
directories are relative to the current directory, so this runs from a
clone and from an installed package (``mim run segmif_mm run_demo``) alike.
"""
import argparse
import subprocess
import sys
from pathlib import Path

from segmif_mm.utils import find_resource

TOOLS = Path(__file__).resolve().parent


def run(tool: str, *args: str) -> None:
    cmd = [sys.executable, str(TOOLS / tool), *args]
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/segmif_demo')
    parser.add_argument(
        '--config',
        default=str(find_resource('configs/segmif_demo.py')),
        help='config (default: the shipped configs/segmif_demo.py)')
    args = parser.parse_args()
    work_dir = Path(args.work_dir)

    run('misc/make_demo_data.py', 'data/segmif_demo')
    run('train.py', args.config, '--work-dir', str(work_dir))
    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    run('test.py', args.config, checkpoint,
        '--work-dir', str(work_dir / 'test'), '--out',
        str(work_dir / 'test' / 'metrics.json'), '--show-dir',
        str(work_dir / 'test' / 'vis'))
    print(f'Fused images, segmentations and panels: {work_dir}/test/vis')


if __name__ == '__main__':
    main()
