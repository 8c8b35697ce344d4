import re

import pytest

from segmif_mm.datasets import (DatasetCheck, LoadMultiModalImages,
                                SegMiFDemoDataset, check_dataset, check_sample)

PIPELINE = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='ConcatInfrared'),
    dict(type='PackSegInputs')
]


def assert_problems(problems, expected):
    """``problems`` are exactly ``expected`` (sample -> patterns), in
    order."""
    found = {}
    for name, problem in problems:
        found.setdefault(name, []).append(problem)
    assert sorted(found) == sorted(expected)
    for name, patterns in expected.items():
        assert len(found[name]) == len(patterns), (name, found[name])
        for problem, pattern in zip(found[name], patterns):
            assert re.match(pattern, problem), (name, problem)


def test_check_dataset_reports_every_problem(broken_demo_split):
    root, expected = broken_demo_split
    dataset = SegMiFDemoDataset(data_root=str(root), pipeline=PIPELINE)
    calls = []
    result = check_dataset(
        dataset, num_workers=2, progress=lambda: calls.append(1))
    assert result.num_samples == 8 and len(calls) == 8
    assert_problems(result.problems, expected)
    assert [name for name, _ in result.problems
            ] == sorted(name for name, patterns in expected.items()
                        for _ in patterns)
    report = result.report('the train split')
    assert report.startswith(
        '7 problem(s) in 6 of 8 samples of the train split:\n  ')
    assert len(report.splitlines()) == 8

    # a subset (one distributed rank's share) and wrappers
    wrapped = dict(
        type='RepeatDataset',
        times=2,
        dataset=dict(
            type='SegMiFDemoDataset', data_root=str(root), pipeline=PIPELINE))
    from mmseg.registry import DATASETS
    repeated = DATASETS.build(wrapped)
    share = check_dataset(repeated, indices=range(0, 8, 2))
    assert share.num_samples == 4
    # samples 0, 2, 4 and 6 (fine) of the 8, each file read once
    assert {name for name, _ in share.problems} == set(sorted(expected)[::2])


def test_labels_are_checked_only_if_the_pipeline_loads_them(broken_demo_split):
    root, expected = broken_demo_split
    dataset = SegMiFDemoDataset(
        data_root=str(root),
        pipeline=[
            dict(type='LoadMultiModalImages'),
            dict(type='ConcatInfrared'),
            dict(type='PackSegInputs')
        ])
    problems = check_dataset(dataset, num_workers=1).problems
    assert_problems(
        problems, {
            name: [p for p in patterns if 'Label file' not in p]
            for name, patterns in expected.items() if any('Label file' not in p
                                                          for p in patterns)
        })


def test_pipeline_rules_apply(broken_demo_split, monkeypatch):
    """The check reads with the pipeline's own loader settings."""
    root, _ = broken_demo_split
    dataset = SegMiFDemoDataset(
        data_root=str(root),
        pipeline=[
            dict(
                type='LoadMultiModalImages',
                float_rule='range',
                float_range=(0, 1))
        ])
    images = dataset.pipeline.transforms[0]
    seen = []
    original = LoadMultiModalImages.load_infrared

    def spy(self, path):
        seen.append(self)
        return original(self, path)

    monkeypatch.setattr(LoadMultiModalImages, 'load_infrared', spy)
    check_dataset(dataset, num_workers=1)
    assert seen and all(loader is images for loader in seen)


def test_check_sample_of_a_good_sample(demo_data_root):
    dataset = SegMiFDemoDataset(
        data_root=str(demo_data_root), pipeline=PIPELINE)
    images, labels = (dataset.pipeline.transforms[0],
                      dataset.pipeline.transforms[1])
    assert check_sample(dataset.get_data_info(0), images, labels) == []
    assert check_dataset(dataset) == DatasetCheck([], 8)


def test_non_multimodal_dataset_is_a_type_error(tmp_path):
    from mmseg.datasets import BaseSegDataset
    (tmp_path / 'img').mkdir()
    (tmp_path / 'img' / 'a.jpg').write_bytes(b'x')
    dataset = BaseSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img'),
        metainfo=dict(classes=('a', 'b')))
    with pytest.raises(TypeError, match='no `ir_path`'):
        check_dataset(dataset)
