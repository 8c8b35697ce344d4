"""Time our SegMiF against the authors' public model, side by side.

Example::

    python tools/analysis/benchmark_side_by_side.py \
        --official-root ~/segmif-official --threads 2 --shape 480 640 \
        --runs 3 --rounds 2 --amp

The authors' model is timed by the harness in
``../shared/bench/official_segmif/time_official.py`` (see its README: their
``core/`` folder goes into ``--official-root``, outside this repository);
ours by ``tools/benchmark.py CONFIG --parts full`` (``model(inputs,
mode='tensor')``: guidance, fusion, segmentation; random weights, one pair,
batch 1). Both time one warm-up and ``--runs`` timed forwards in a fresh
process with ``--threads`` threads (``OMP_NUM_THREADS`` and
``torch.set_num_threads``) and report the median and the peak RSS. The
processes are interleaved, ``--rounds`` times: ours (``--precision
fp32``), [ours (``--precision bf16``: bfloat16 autocast, with ``--amp``)],
theirs. The table gives every round, the median over the rounds of each
side's medians and the ratios ours / theirs, and the per-round ratios
(each side over the same round's theirs) with their median. Only ratios
measured this way (same machine, same session, interleaved) compare the
two; the CPU is named in the output. ``--append FILE`` adds this
call's rounds to those saved in FILE by earlier calls with the same
settings and summarises them all, so short timing windows can be spread
over a busy machine's quiet moments.

Other processes on the machine slow both sides, but multi-threaded runs
far more than their share: measure on an otherwise idle machine. Each
process records ``other_cpus``, the CPUs that processes other than itself
kept busy on average while it ran (``/proc/stat`` busy time minus its own
CPU time); a round in which any side has more than ``--max-other-cpus``
is printed but left out of the medians and ratios.
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from statistics import median
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine

from segmif_mm.apis import add_shape_argument
from segmif_mm.utils import atomic_backend_args

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OFFICIAL_SCRIPT = osp.join(
    osp.dirname(REPO), 'shared', 'bench', 'official_segmif',
    'time_official.py')
OFFICIAL_LINE = re.compile(r'official (\d+)x(\d+) median_s ([\d.]+) '
                           r'min_s ([\d.]+) peak_rss_mib (\d+)')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Interleaved CPU timing of SegMiF against the authors' "
        'public model.')
    parser.add_argument(
        '--official-root',
        required=True,
        help="folder holding the authors' core/ folder (outside the "
        'repository)')
    parser.add_argument(
        '--official-script',
        default=OFFICIAL_SCRIPT,
        help=f'their timing harness (default: {OFFICIAL_SCRIPT})')
    parser.add_argument(
        '--config',
        default=osp.join(REPO, 'configs', 'segmif_fmb.py'),
        help='our config (default: configs/segmif_fmb.py, MiT-B3)')
    add_shape_argument(parser)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--runs',
        type=int,
        default=3,
        help='timed forwards per process, after one warm-up (default: 3)')
    parser.add_argument(
        '--rounds',
        type=int,
        default=2,
        help='interleaved rounds: ours, [ours bf16], theirs (default: 2; '
        '0 with --append: summarise the saved rounds)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='also time ours under bfloat16 autocast')
    parser.add_argument(
        '--python',
        default=sys.executable,
        help='interpreter for both sides (default: this one)')
    parser.add_argument(
        '--max-other-cpus',
        type=float,
        default=0.2,
        help='rounds where other processes kept more CPUs busy on average '
        'while a side ran are left out of the summary (default: 0.2)')
    parser.add_argument('--json', help='also write the results as JSON')
    parser.add_argument(
        '--append',
        help='JSON file of earlier rounds (same settings) to add this '
        "call's rounds to; summarises all and writes it back")
    args = parser.parse_args(argv)
    if not osp.isdir(osp.join(args.official_root, 'core')):
        parser.error(f'--official-root {args.official_root} has no core/ '
                     'folder; see the README beside the harness '
                     f'({osp.dirname(args.official_script)}).')
    if not osp.isfile(args.official_script):
        parser.error(f'--official-script {args.official_script} not found.')
    if min(args.runs, args.threads) < 1 or args.rounds < 0:
        parser.error('--runs and --threads must be >= 1, --rounds >= 0.')
    return args


def cache_sizes() -> Dict[str, int]:
    """Data cache sizes of the first CPU in bytes, by level (``l1``,
    ``l2``, ``l3``), as ``/sys/devices/system/cpu/cpu0/cache`` reports them
    (Linux; empty elsewhere)."""
    units = {'K': 2**10, 'M': 2**20, 'G': 2**30}
    sizes = {}
    for folder in sorted(glob.glob('/sys/devices/system/cpu/cpu0/cache/*')):
        entry = {}
        for name in ('type', 'level', 'size'):
            try:
                with open(osp.join(folder, name)) as f:
                    entry[name] = f.read().strip()
            except OSError:
                break
        size = entry.get('size', '')
        if len(entry) == 3 and entry['type'] != 'Instruction' and \
                size[:-1].isdigit() and size[-1:] in units:
            sizes[f'l{entry["level"]}'] = int(size[:-1]) * units[size[-1]]
    return sizes


def cpu_description() -> Dict[str, object]:
    """Model name and number, logical CPUs, the bf16-related flags and the
    cache sizes of this CPU."""
    info: Dict[str, str] = {}
    keys = {'model name': 'name', 'cpu family': 'family', 'model': 'model'}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:  # the first CPU's block
                if not line.strip() and info:
                    break
                key, _, value = line.partition(':')
                key = key.strip()
                if key in keys or key == 'flags':
                    info[keys.get(key, key)] = value.strip()
    except OSError:
        pass
    flags = set(info.get('flags', '').split())
    return dict(
        model=info.get('name',
                       platform.processor() or platform.machine()),
        family_model=f'{info.get("family", "?")}/{info.get("model", "?")}',
        logical_cpus=os.cpu_count(),
        flags=sorted(flags & {'avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'}),
        caches=cache_sizes())


def child_env(threads: int) -> Dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    return env


def busy_cpu_seconds() -> Optional[float]:
    """CPU seconds all CPUs spent busy since boot (``/proc/stat``); None
    where it cannot be read."""
    try:
        with open('/proc/stat') as f:
            fields = [float(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf('SC_CLK_TCK')


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: List[str], threads: int) -> Tuple[str, Optional[float]]:
    """Run a timing process; return its output and the CPUs that other
    processes kept busy on average meanwhile. Raise on failure."""
    busy, own, start = busy_cpu_seconds(), children_cpu_seconds(), \
        time.perf_counter()
    proc = subprocess.run(
        command,
        cwd=REPO,
        env=child_env(threads),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(command)} failed:\n{proc.stdout}')
    wall = time.perf_counter() - start
    after = busy_cpu_seconds()
    if busy is None or after is None:
        return proc.stdout, None
    others = after - busy - (children_cpu_seconds() - own)
    return proc.stdout, max(others, 0.0) / wall


def time_ours(args: argparse.Namespace, amp: bool) -> Dict[str, float]:
    """Median/min seconds and peak RSS of our full pipeline."""
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'ours.json')
        command = [
            args.python,
            osp.join(REPO, 'tools', 'benchmark.py'), args.config, '--device',
            'cpu', '--threads',
            str(args.threads), '--shape', *map(str, args.shape),
            '--batch-size', '1', '--parts', 'full', '--warmup', '1',
            '--repeat',
            str(args.runs), '--json', out, '--precision',
            'bf16' if amp else 'fp32'
        ]
        _, others = run(command, args.threads)
        with open(out) as f:
            full = json.load(f)['results']['full']
    return dict(
        median_s=full['latency_ms_median'] / 1e3,
        min_s=full['latency_ms_min'] / 1e3,
        peak_rss_mib=full['peak_memory_mib'],
        other_cpus=others)


def time_theirs(args: argparse.Namespace) -> Dict[str, float]:
    """Median/min seconds and peak RSS of the authors' model."""
    output, others = run([
        args.python, args.official_script, args.official_root,
        str(args.shape[0]),
        str(args.shape[1]),
        str(args.threads),
        str(args.runs)
    ], args.threads)
    match = OFFICIAL_LINE.search(output)
    if match is None:
        raise RuntimeError(
            f'Unexpected output of {args.official_script}:\n{output}')
    return dict(
        median_s=float(match.group(3)),
        min_s=float(match.group(4)),
        peak_rss_mib=float(match.group(5)),
        other_cpus=others)


def settings_of(args: argparse.Namespace) -> dict:
    return dict(
        shape=list(args.shape),
        threads=args.threads,
        runs=args.runs,
        amp=args.amp,
        config=osp.relpath(osp.abspath(args.config), REPO))


def load_earlier_rounds(args: argparse.Namespace) -> list:
    """Rounds saved by earlier calls with ``--append``; [] if none."""
    if not args.append or not osp.exists(args.append):
        return []
    with open(args.append) as f:
        earlier = json.load(f)
    if earlier['settings'] != settings_of(args):
        raise ValueError(
            f'--append {args.append} holds rounds with other settings '
            f'({earlier["settings"]}); use another file.')
    return earlier['rounds']


def describe_load(other_cpus: Optional[float]) -> str:
    return 'unknown' if other_cpus is None else f'{other_cpus:.2f} CPUs'


def is_quiet(result: Dict[str, Dict[str, Optional[float]]],
             max_other_cpus: float) -> bool:
    """Whether no side of a round ran beside busier other processes (an
    unknown load counts as quiet)."""
    return all(
        side.get('other_cpus') is None or side['other_cpus'] <= max_other_cpus
        for side in result.values())


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    sides = ['ours_fp32'] + (['ours_bf16'] if args.amp else []) + ['theirs']
    rounds: List[Dict[str, Dict[str, float]]] = load_earlier_rounds(args)
    first = len(rounds)
    for index in range(first, first + args.rounds):
        result = {}
        for side in sides:
            result[side] = time_theirs(args) if side == 'theirs' else \
                time_ours(args, amp=side == 'ours_bf16')
            print(
                f'round {index + 1} {side}: median '
                f'{result[side]["median_s"]:.3f} s, peak RSS '
                f'{result[side]["peak_rss_mib"]:.0f} MiB, other processes '
                f'{describe_load(result[side]["other_cpus"])}',
                flush=True)
        rounds.append(result)
    quiet = [r for r in rounds if is_quiet(r, args.max_other_cpus)]
    if not rounds:
        raise ValueError('No rounds: give --rounds >= 1.')
    if not quiet:
        raise RuntimeError(
            f'Every round ran beside other processes busier than '
            f'--max-other-cpus {args.max_other_cpus}; measure again on a '
            'quieter machine.')
    summary = {
        side:
        dict(
            median_s=median(r[side]['median_s'] for r in quiet),
            peak_rss_mib=median(r[side]['peak_rss_mib'] for r in quiet))
        for side in sides
    }
    theirs = summary['theirs']
    for side in sides[:-1]:
        summary[side]['ratio'] = summary[side]['median_s'] / theirs['median_s']
        summary[side]['rss_ratio'] = summary[side]['peak_rss_mib'] / theirs[
            'peak_rss_mib']
        summary[side]['median_round_ratio'] = median(
            r[side]['median_s'] / r['theirs']['median_s'] for r in quiet)
    cpu = cpu_description()
    caches = ', '.join(f'{k.upper()} {v / 2**20:g} MiB'
                       for k, v in cpu['caches'].items())
    print(f'\nCPU: {cpu["model"]} (family/model {cpu["family_model"]}), '
          f'{cpu["logical_cpus"]} logical CPUs, flags '
          f'{" ".join(cpu["flags"])}, caches per CPU0 {caches}; '
          f'{args.threads} threads, '
          f'{args.shape[0]}x{args.shape[1]}, MiT-B3, random weights, '
          f'1 warm-up + {args.runs} timed forwards per process, '
          f'{len(rounds)} interleaved rounds, {len(quiet)} quiet (other '
          f'processes <= {args.max_other_cpus:g} CPUs; the others, marked '
          '*, are left out of the medians)')
    header = '| side | ' + ' | '.join(
        f'round {i + 1} (s)' for i in range(len(rounds))) + \
        ' | median (s) | peak RSS (MiB) | ratio to theirs |'
    print(header)
    print('|' + '---|' * (header.count('|') - 1))
    marks = ['' if is_quiet(r, args.max_other_cpus) else '*' for r in rounds]
    for side in sides:
        cells = [
            f'{r[side]["median_s"]:.2f}{mark}'
            for r, mark in zip(rounds, marks)
        ]
        ratio = summary[side].get('ratio')
        print(f'| {side} | ' + ' | '.join(cells) +
              f' | {summary[side]["median_s"]:.2f} | '
              f'{summary[side]["peak_rss_mib"]:.0f} | ' +
              (f'{ratio:.2f}x' if ratio is not None else '-') + ' |')
    loads = [
        describe_load(
            max((r[side]['other_cpus']
                 for side in sides if r[side].get('other_cpus') is not None),
                default=None)) for r in rounds
    ]
    print('| other processes (max over sides) | ' + ' | '.join(loads) +
          ' | | | |')
    for side in sides[:-1]:
        ratios = [
            f'{r[side]["median_s"] / r["theirs"]["median_s"]:.2f}{mark}'
            for r, mark in zip(rounds, marks)
        ]
        print(f'| {side} / theirs, per round | ' + ' | '.join(ratios) +
              f' | {summary[side]["median_round_ratio"]:.2f}x (median) | | |')
    report = dict(
        cpu=cpu,
        settings=settings_of(args),
        rounds=rounds,
        quiet_rounds=[i + 1 for i, mark in enumerate(marks) if not mark],
        summary=summary)
    for path in {args.json, args.append} - {None}:
        mmengine.dump(
            report, path, backend_args=atomic_backend_args(path), indent=2)
        print(f'Results written to {path}')
    return report


if __name__ == '__main__':
    main()
