import pytest

from segmif_mm.engine.runner import AlternatingTrainLoop, PhaseSpan


def test_spans_follow_rounds_and_phases():
    spans = AlternatingTrainLoop.build_spans(
        2, [dict(phase='fusion', iters=[3, 1]),
            dict(phase='seg', iters=2)])
    assert spans == [
        PhaseSpan(0, 'fusion', 0, 3),
        PhaseSpan(0, 'seg', 3, 5),
        PhaseSpan(1, 'fusion', 5, 6),
        PhaseSpan(1, 'seg', 6, 8)
    ]


@pytest.mark.parametrize('phases, match', [
    ([dict(phase='detect', iters=1)], 'Unknown phase'),
    ([dict(phase='fusion', iters=[1, 2, 3])], 'one per round'),
    ([dict(phase='fusion', iters=0)], '0 iters'),
    ([], 'at least one phase'),
])
def test_bad_schedules_are_rejected(phases, match):
    with pytest.raises(ValueError, match=match):
        AlternatingTrainLoop.build_spans(2, phases)
