import platform
import subprocess
import sys

import pytest

from segmif_mm.deploy import tune_malloc_for_inference

GLIBC = platform.system() == 'Linux' and platform.libc_ver()[0] == 'glibc'

# Page faults while a 64 MiB tensor is allocated, written and freed 5 times
# (after two warm-up rounds), and a checksum of a small computation.
PROBE = '''
import resource, sys, torch
if sys.argv[1] == 'tuned':
    from segmif_mm.deploy import tune_malloc_for_inference
    assert tune_malloc_for_inference()
torch.set_num_threads(1)
def fill():
    torch.empty(2**24).fill_(1.0)
fill()
fill()
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    fill()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
gen = torch.Generator().manual_seed(0)
x = torch.rand(1, 8, 64, 64, generator=gen)
w = torch.rand(16, 8, 3, 3, generator=gen)
out = torch.nn.functional.conv2d(x, w, padding=1).sum(dim=(0, 2, 3))
print(faults, ' '.join(float(v).hex() for v in out))
'''


def probe(mode):
    result = subprocess.run([sys.executable, '-c', PROBE, mode],
                            capture_output=True,
                            text=True,
                            check=True)
    faults, checksum = result.stdout.split(maxsplit=1)
    return int(faults), checksum


@pytest.mark.skipif(not GLIBC, reason='mallopt tuning needs glibc')
def test_large_blocks_are_reused_and_results_unchanged():
    default_faults, default_sum = probe('default')
    tuned_faults, tuned_sum = probe('tuned')
    # 64 MiB = 16384 pages, mapped afresh in each of the 5 rounds by default;
    # tuned, the block is reused (glibc occasionally places it anew once).
    assert default_faults >= 5 * 16000
    assert tuned_faults <= 16384 + 100
    assert tuned_sum == default_sum


@pytest.mark.parametrize('kwargs', [
    dict(mmap_threshold=-1),
    dict(trim_threshold=2**31),
])
def test_bad_thresholds(kwargs):
    with pytest.raises(ValueError, match='C int'):
        tune_malloc_for_inference(**kwargs)


# Page faults of 5 rounds of a 64 MiB tensor allocated, written and freed:
# inside reuse_freed_memory, then again after it (thresholds back to the
# steady state: 64 MiB blocks are mapped afresh), with a nested block.
SCOPED_PROBE = '''
import resource, torch
from segmif_mm.deploy import reuse_freed_memory
torch.set_num_threads(1)
def faults_of_rounds():
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        torch.empty(2**24).fill_(1.0)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
torch.empty(2**24).fill_(1.0)
with reuse_freed_memory() as changed:
    with reuse_freed_memory() as nested:
        inside = faults_of_rounds()
    still_inside = faults_of_rounds()
after = faults_of_rounds()
print(changed, nested, inside, still_inside, after)
'''


@pytest.mark.skipif(not GLIBC, reason='mallopt tuning needs glibc')
def test_reuse_within_a_block_only():
    result = subprocess.run([sys.executable, '-c', SCOPED_PROBE],
                            capture_output=True,
                            text=True,
                            check=True)
    changed, nested, inside, still_inside, after = result.stdout.split()
    assert changed == nested == 'True'
    inside, still_inside, after = map(int, (inside, still_inside, after))
    # Inside the block the buffer is placed once and reused (glibc now
    # and then places it once more); after it, it is mapped afresh in
    # most rounds (glibc now and then keeps it; counts vary run to run).
    assert inside <= 2 * 16384 + 100 and still_inside <= 16384 + 100
    assert after >= 2 * 16000
    assert inside + still_inside < after
