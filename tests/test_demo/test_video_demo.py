"""demo/video_demo.py: two videos or two frame folders to a fused video."""
import cv2
import numpy as np
import pytest

from segmif_mm.apis import SegMiFInferencer

SIZE = (32, 48)


@pytest.fixture
def sequences(tmp_path, video_io):
    """Five frames as two videos and as two folders of PNG frames."""
    rng = np.random.default_rng(0)
    vis = [
        rng.integers(0, 256, SIZE + (3, ), dtype=np.uint8) for _ in range(5)
    ]
    ir = [rng.integers(0, 256, SIZE, dtype=np.uint8) for _ in range(5)]
    write_video = video_io[0]
    write_video(tmp_path / 'vis.mp4', vis)
    write_video(tmp_path / 'ir.mp4', ir)
    for folder, frames in (('vis_frames', vis), ('ir_frames', ir)):
        (tmp_path / folder).mkdir()
        for index, frame in enumerate(frames):
            cv2.imwrite(str(tmp_path / folder / f'{index:04d}.png'), frame)
    return tmp_path


def test_two_videos_and_two_frame_folders(sequences, tiny_config,
                                          tiny_checkpoint, run_script,
                                          video_io, capsys):
    read_video = video_io[1]
    model = ('--model', tiny_config, '--weights', tiny_checkpoint)
    run_script('demo/video_demo.py', sequences / 'ir.mp4',
               sequences / 'vis.mp4', sequences / 'fused.mp4', *model,
               '--batch-size', '2')
    printed = capsys.readouterr().out
    assert '5 frames fused in' in printed and 'frames per second' in printed
    fused = read_video(sequences / 'fused.mp4')
    assert len(fused) == 5 and fused[0].shape == SIZE + (3, )
    # the frames stay matched: frame i is the fusion of the i-th frames
    inferencer = SegMiFInferencer(
        str(tiny_config), str(tiny_checkpoint), 'cpu', show_progress=False)
    decoded = list(
        zip(
            read_video(sequences / 'ir.mp4'),
            read_video(sequences / 'vis.mp4')))
    for index in (0, 4):
        ir, vis = decoded[index]
        reference = inferencer((ir, vis))['predictions']['fused'][..., ::-1]
        others = [
            inferencer(pair)['predictions']['fused'][..., ::-1]
            for i, pair in enumerate(decoded) if i != index
        ]
        error = np.abs(fused[index].astype(int) - reference).mean()
        assert all(error < np.abs(fused[index].astype(int) - other).mean()
                   for other in others)
        assert error < 8  # mp4v compression only

    run_script('demo/video_demo.py', sequences / 'ir_frames',
               sequences / 'vis_frames', sequences / 'panels.mp4', *model,
               '--fps', '5', '--panels')
    panels = read_video(sequences / 'panels.mp4')
    assert len(panels) == 5 and panels[0].shape[1] == 4 * SIZE[1]
    capture = cv2.VideoCapture(str(sequences / 'panels.mp4'))
    assert capture.get(cv2.CAP_PROP_FPS) == 5


def test_length_mismatch_is_reported(sequences, tiny_config, tiny_checkpoint,
                                     run_script, video_io, capsys):
    read_video = video_io[1]
    (sequences / 'ir_frames' / '0004.png').unlink()
    args = (sequences / 'ir_frames', sequences / 'vis_frames',
            sequences / 'out.mp4', '--model', tiny_config, '--weights',
            tiny_checkpoint)
    with pytest.raises(SystemExit) as error:
        run_script('demo/video_demo.py', *args)
    assert 'has 4 frames and the visible sequence' in str(error.value.code)
    assert 'has 5' in str(error.value.code)
    assert not (sequences / 'out.mp4').exists()
    run_script('demo/video_demo.py', *args, '--common-prefix')
    assert len(read_video(sequences / 'out.mp4')) == 4
