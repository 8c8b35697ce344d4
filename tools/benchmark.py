"""Latency, throughput and peak memory of SegMiF's fusion, segmentation and
full pipeline.

    python tools/benchmark.py CONFIG [CHECKPOINT] --device cpu|cuda[:N]
        --shape H W --batch-size N --repeat N --warmup N
        [--precision fp32|bf16 | --amp] [--cudnn-benchmark] [--threads N]
        [--malloc-tuning | --no-cpu-conversion] [--json FILE]
        [--parts fusion segmentation full] [--cfg-options ...]

Three parts run on random inputs ``[B, 4, H, W]`` in [0, 1]:

* ``fusion``: ``model.fuse`` (guidance pass through backbone stages 1-2, then
  the fusion head, fused RGB);
* ``segmentation``: ``model.encode_decode`` on a given RGB image (backbone
  + decode head, logits resized to the input size);
* ``full``: ``model(inputs, mode='tensor')`` (fusion + segmentation).

``--parts`` times a subset (e.g. ``--parts full``, as the side-by-side
comparison with the authors' model in
``tools/analysis/benchmark_side_by_side.py`` does).

Latency is the median over ``--repeat`` timed batches after ``--warmup``
untimed ones (``torch.cuda.synchronize`` around every timed batch on CUDA);
throughput is ``batch_size / median latency``. Peak memory is
``torch.cuda.max_memory_allocated`` per part on CUDA; on CPU it is the
process's peak resident set size so far (``resource.getrusage``), which is
cumulative over the parts (run in the order above). ``--precision bf16``
runs the model under bfloat16 autocast (default fp32; see
:mod:`segmif_mm.deploy.precision`); ``--amp`` instead runs under
``torch.autocast`` with bfloat16 on CPU and float16 on CUDA. Without a
checkpoint the weights are random (pretrained ``init_cfg`` is dropped),
which is fine for timing.

On CPU the model is converted for inference
(:func:`segmif_mm.deploy.convert_for_cpu_inference`); ``--no-cpu-conversion``
times the plain model instead. ``--malloc-tuning`` makes the conversion keep
freed memory for the rest of the process
(:func:`segmif_mm.deploy.tune_malloc_for_inference`, glibc only): large CPU
buffers are reused instead of being mapped and faulted in on every pass, so
latency drops and the resident size stays at its peak.
"""
import argparse
import resource
import sys
import time
from statistics import median
from typing import Callable, Dict, List

import mmengine
import torch
from mmengine.config import DictAction
from prettytable import PrettyTable

from segmif_mm.apis import (add_precision_argument, add_shape_argument,
                            init_model)
from segmif_mm.deploy import prepare_for_inference
from segmif_mm.utils import atomic_backend_args

PARTS = ('fusion', 'segmentation', 'full')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark SegMiF fusion, segmentation and full pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint', nargs='?', help='checkpoint (random weights if absent)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    add_shape_argument(parser)
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--repeat', type=int, default=20, help='timed batches per part')
    parser.add_argument(
        '--warmup', type=int, default=5, help='untimed batches per part')
    precision = parser.add_mutually_exclusive_group()
    add_precision_argument(precision)
    precision.add_argument(
        '--amp',
        action='store_true',
        help='autocast: bfloat16 on CPU, float16 on CUDA')
    parser.add_argument(
        '--cudnn-benchmark',
        action='store_true',
        help='torch.backends.cudnn.benchmark = True')
    parser.add_argument(
        '--threads', type=int, help='torch.set_num_threads (CPU)')
    cpu = parser.add_mutually_exclusive_group()
    cpu.add_argument(
        '--malloc-tuning',
        action='store_true',
        help='reuse large CPU buffers (glibc mallopt; see '
        'segmif_mm.deploy.tune_malloc_for_inference)')
    cpu.add_argument(
        '--no-cpu-conversion',
        action='store_true',
        help='time the plain model on CPU (for comparison)')
    parser.add_argument(
        '--parts',
        nargs='+',
        choices=PARTS,
        default=list(PARTS),
        help='parts to time, in this order (default: all three)')
    parser.add_argument('--json', help='also write the results as JSON')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    args = parser.parse_args()
    for name in ('batch_size', 'repeat'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.warmup < 0 or min(args.shape) < 1:
        parser.error('--warmup must be >= 0 and --shape positive')
    if args.threads is not None and args.threads < 1:
        parser.error('--threads must be >= 1')
    return args


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in bytes on macOS and in KiB elsewhere.
    return peak / 2**20 if sys.platform == 'darwin' else peak / 2**10


def time_part(fn: Callable[[], object], device: torch.device, warmup: int,
              repeat: int) -> List[float]:
    """Seconds per call of ``fn`` for ``repeat`` calls after ``warmup``."""

    def sync() -> None:
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def benchmark(model: torch.nn.Module, device: torch.device,
              args: argparse.Namespace) -> Dict[str, dict]:
    """Time the three parts.

    Returns:
        dict[str, dict]: Per part: ``latency_ms_median``,
        ``latency_ms_min``, ``latency_ms_max``, ``throughput_img_per_s``
        and ``peak_memory_mib``.
    """
    for name in ('fuse', 'encode_decode'):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f'{type(model).__name__} has no `{name}` method; '
                'tools/benchmark.py times SegMiF-style models (fuse() + '
                'encode_decode()).')
    height, width = args.shape
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(
        args.batch_size, 4, height, width, generator=generator).to(device)
    rgb = inputs[:, :3].contiguous()
    metas = [dict(img_shape=(height, width), pad_shape=(height, width))
             ] * args.batch_size
    calls = dict(
        fusion=lambda: model.fuse(inputs),
        segmentation=lambda: model.encode_decode(rgb, metas),
        full=lambda: model(inputs, mode='tensor'))
    amp_dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    autocast = torch.autocast(device.type, dtype=amp_dtype, enabled=args.amp)

    results = {}
    for part in args.parts:
        if device.type == 'cuda':
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        with torch.inference_mode(), autocast:
            times = time_part(calls[part], device, args.warmup, args.repeat)
        memory = torch.cuda.max_memory_allocated(device) / 2**20 \
            if device.type == 'cuda' else peak_rss_mib()
        latency = median(times)
        results[part] = dict(
            latency_ms_median=latency * 1e3,
            latency_ms_min=min(times) * 1e3,
            latency_ms_max=max(times) * 1e3,
            throughput_img_per_s=args.batch_size / latency,
            peak_memory_mib=memory)
    return results


def main() -> None:
    args = parse_args()
    device = torch.device(args.device)
    if device.type not in ('cpu', 'cuda'):
        raise ValueError(f'--device must be cpu, cuda or cuda:N, got '
                         f'{args.device}.')
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError(f'--device {args.device}: CUDA is not available '
                           'in this PyTorch build or on this machine.')
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    model = init_model(
        args.config,
        args.checkpoint,
        str(device),
        args.cfg_options,
        trust_checkpoint=True)
    model = prepare_for_inference(
        model,
        precision='fp32' if args.amp else args.precision,
        cpu_conversion=not args.no_cpu_conversion,
        malloc_tuning=args.malloc_tuning)
    results = benchmark(model, device, args)

    settings = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        device=str(device),
        device_name=torch.cuda.get_device_name(device)
        if device.type == 'cuda' else 'cpu',
        shape=list(args.shape),
        batch_size=args.batch_size,
        repeat=args.repeat,
        warmup=args.warmup,
        amp=args.amp,
        amp_dtype=('float16' if device.type == 'cuda' else 'bfloat16')
        if args.amp else None,
        precision=None if args.amp else args.precision,
        cpu_conversion=device.type == 'cpu' and not args.no_cpu_conversion,
        cudnn_benchmark=args.cudnn_benchmark,
        threads=torch.get_num_threads(),
        malloc_tuning=args.malloc_tuning,
        memory_kind='cuda_max_memory_allocated'
        if device.type == 'cuda' else 'process_peak_rss_cumulative',
        torch=torch.__version__)
    table = PrettyTable()
    memory_title = 'peak alloc (MiB)' if device.type == 'cuda' else \
        'peak RSS so far (MiB)'
    table.field_names = [
        'part', 'latency median (ms)', 'min (ms)', 'max (ms)',
        'throughput (img/s)', memory_title
    ]
    for part, res in results.items():
        table.add_row([
            part, f'{res["latency_ms_median"]:.2f}',
            f'{res["latency_ms_min"]:.2f}', f'{res["latency_ms_max"]:.2f}',
            f'{res["throughput_img_per_s"]:.2f}',
            f'{res["peak_memory_mib"]:.1f}'
        ])
    print(f'{settings["device_name"]} ({settings["device"]}), input '
          f'{args.batch_size}x4x{args.shape[0]}x{args.shape[1]}, '
          f'amp={settings["amp_dtype"]}, '
          f'precision={settings["precision"]}, threads={settings["threads"]}, '
          f'CPU conversion={"on" if settings["cpu_conversion"] else "off"}, '
          f'malloc tuning={"on" if args.malloc_tuning else "off"}, '
          f'{args.warmup} warm-up + {args.repeat} timed batches, torch '
          f'{torch.__version__}')
    print(table)
    if args.json:
        mmengine.dump(
            dict(settings=settings, results=results),
            args.json,
            backend_args=atomic_backend_args(args.json),
            indent=2)
        print(f'Results written to {args.json}')


if __name__ == '__main__':
    main()
