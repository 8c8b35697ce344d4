from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmseg.structures import SegDataSample
from segmif_mm.apis import (DEFAULT_FUSION_CHECKPOINT, SegMiFInferencer,
                            extract_fusion_weights, get_model_by_weights,
                            inference_model, init_fusion_model, init_model)
from segmif_mm.deploy import convert_for_cpu_inference
from segmif_mm.visualization import FusionSegLocalVisualizer

TINY_CONFIG = str(Path(__file__).parents[1] / 'configs' / 'segmif_tiny.py')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A full checkpoint of the tiny model (with its classes) and one with
    its fusion weights only (as the shipped file)."""
    root = tmp_path_factory.mktemp('inferencer_ckpts')
    torch.manual_seed(0)
    model = init_model(TINY_CONFIG)
    full, fusion = root / 'full.pth', root / 'fusion.pth'
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=model.dataset_meta)), full)
    torch.save(
        dict(state_dict=extract_fusion_weights(model, half=False)), fusion)
    # the model as the inferencer runs it on CPU
    return dict(
        full=str(full),
        fusion=str(fusion),
        model=convert_for_cpu_inference(init_model(TINY_CONFIG, str(full))))


@pytest.fixture(scope='module')
def inferencer(checkpoints):
    return SegMiFInferencer(
        TINY_CONFIG, checkpoints['full'], device='cpu', show_progress=False)


def random_pair(size, seed=0):
    """Visible B, G, R and infrared uint8 arrays."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size + (3, ), dtype=np.uint8),
            rng.integers(0, 256, size, dtype=np.uint8))


def write_pairs(root: Path, sizes: dict) -> None:
    """``root/{ir,vi}/<name>.png`` for each name and size."""
    for folder in ('ir', 'vi'):
        (root / folder).mkdir(parents=True)
    for seed, (name, size) in enumerate(sizes.items()):
        vis, ir = random_pair(size, seed)
        cv2.imwrite(str(root / 'vi' / f'{name}.png'), vis)
        cv2.imwrite(str(root / 'ir' / f'{name}.png'), ir)


def expected(model, ir, vis) -> dict:
    """Fused image and class ids of ``inference_model`` (the API the
    inferencer must agree with)."""
    sample = inference_model(model, ir, vis)
    return dict(
        fused=FusionSegLocalVisualizer.fused_to_uint8(sample.pred_fused_img),
        sem_seg=sample.pred_sem_seg.data[0].numpy())


def assert_prediction(prediction: dict, reference: dict) -> None:
    assert prediction['fused'].dtype == np.uint8
    np.testing.assert_array_equal(prediction['fused'], reference['fused'])
    np.testing.assert_array_equal(prediction['sem_seg'], reference['sem_seg'])


def test_pair_as_dict_of_files_and_tuple_of_arrays(inferencer, checkpoints,
                                                   tmp_path):
    write_pairs(tmp_path, dict(a=(40, 52)))
    ir, vis = str(tmp_path / 'ir' / 'a.png'), str(tmp_path / 'vi' / 'a.png')
    reference = expected(checkpoints['model'], ir, vis)
    assert inferencer.with_segmentation
    result = inferencer(dict(ir=ir, vis=vis))
    assert_prediction(result['predictions'], reference)
    assert result['visualization'] is None
    arrays = (cv2.imread(ir, cv2.IMREAD_UNCHANGED), cv2.imread(vis))
    assert_prediction(inferencer(arrays)['predictions'], reference)


def test_list_of_pairs_of_two_sizes_in_batches(inferencer, checkpoints):
    sizes = [(33, 47), (33, 47), (40, 41)]
    pairs = [random_pair(size, seed) for seed, size in enumerate(sizes)]
    result = inferencer([dict(ir=ir, vis=vis) for vis, ir in pairs],
                        batch_size=2)
    assert len(result['predictions']) == 3
    for (vis, ir), prediction in zip(pairs, result['predictions']):
        assert_prediction(prediction, expected(checkpoints['model'], ir, vis))


def test_folders_paired_by_name_and_out_dir(inferencer, checkpoints, tmp_path):
    sizes = dict(b=(32, 40), a=(36, 30))
    write_pairs(tmp_path / 'in', sizes)
    out = tmp_path / 'out'
    result = inferencer(
        dict(ir=tmp_path / 'in' / 'ir', vis=tmp_path / 'in' / 'vi'),
        out_dir=str(out),
        return_vis=True)
    for folder in ('fused', 'seg', 'panel'):
        assert sorted(p.name for p in (out / folder).iterdir()) == \
            ['a.png', 'b.png']
    assert not list(out.rglob('.*'))  # atomic writes leave no temporary
    palette = checkpoints['model'].dataset_meta['palette']
    for (name, (height, width)), prediction, panel in zip(
            sorted(sizes.items()), result['predictions'],
            result['visualization']):
        reference = expected(checkpoints['model'],
                             str(tmp_path / 'in' / 'ir' / f'{name}.png'),
                             str(tmp_path / 'in' / 'vi' / f'{name}.png'))
        assert_prediction(prediction, reference)
        fused = cv2.imread(str(out / 'fused' / f'{name}.png'))[..., ::-1]
        seg = cv2.imread(str(out / 'seg' / f'{name}.png'))[..., ::-1]
        np.testing.assert_array_equal(fused, reference['fused'])
        np.testing.assert_array_equal(
            seg,
            FusionSegLocalVisualizer.colorize_sem_seg(reference['sem_seg'],
                                                      palette))
        # visible | infrared | fused | segmentation, under a title strip
        assert panel.shape[1] == 4 * width and panel.shape[0] > height
        np.testing.assert_array_equal(panel[-height:, 2 * width:3 * width],
                                      reference['fused'])
        saved = cv2.imread(str(out / 'panel' / f'{name}.png'))[..., ::-1]
        np.testing.assert_array_equal(saved, panel)


def test_unpaired_folder_images_and_bad_inputs_are_errors(
        inferencer, tmp_path):
    write_pairs(tmp_path, dict(a=(32, 32)))
    (tmp_path / 'vi' / 'a.png').rename(tmp_path / 'vi' / 'b.png')
    with pytest.raises(
            ValueError,
            match='2 image.* have no partner: a: no '
            'vis image named a'):
        inferencer(dict(ir=str(tmp_path / 'ir'), vis=str(tmp_path / 'vi')))
    with pytest.raises(ValueError, match='input 0 is'):
        inferencer(str(tmp_path / 'ir'))
    with pytest.raises(ValueError, match='both be files or both be folders'):
        inferencer((str(tmp_path / 'ir' / 'a.png'), str(tmp_path / 'vi')))


def test_return_datasamples(inferencer):
    vis, ir = random_pair((32, 36))
    sample = inferencer((ir, vis), return_datasamples=True)
    assert isinstance(sample, SegDataSample)
    assert sample.pred_fused_img.shape == (32, 36)
    assert sample.pred_sem_seg.shape == (32, 36)
    assert sample.metainfo['pair_name'] == '0'
    samples = inferencer([(ir, vis), dict(ir=ir, vis=vis, name='x')],
                         return_datasamples=True)
    assert [s.metainfo['pair_name'] for s in samples] == ['0', 'x']


def test_two_videos_frame_by_frame(inferencer, checkpoints, tmp_path,
                                   video_io):
    write_video, read_video = video_io
    pairs = [random_pair((32, 48), seed) for seed in range(4)]
    write_video(tmp_path / 'vis.mp4', [vis for vis, _ in pairs])
    write_video(tmp_path / 'ir.mp4', [ir for _, ir in pairs])
    samples = inferencer(
        dict(ir=str(tmp_path / 'ir.mp4'), vis=str(tmp_path / 'vis.mp4')),
        return_datasamples=True)
    assert [s.metainfo['pair_name'] for s in samples] == \
        [f'frame_{i:06d}' for i in range(4)]
    decoded = zip(
        read_video(tmp_path / 'ir.mp4'), read_video(tmp_path / 'vis.mp4'))
    for sample, (ir, vis) in zip(samples, decoded):
        np.testing.assert_array_equal(
            FusionSegLocalVisualizer.fused_to_uint8(sample.pred_fused_img),
            expected(checkpoints['model'], ir, vis)['fused'])
    write_video(tmp_path / 'short.mp4', [ir for _, ir in pairs[:3]])
    with pytest.raises(
            ValueError, match='has 3 frames and the visible '
            'sequence .* has 4'):
        inferencer(
            dict(
                ir=str(tmp_path / 'short.mp4'), vis=str(tmp_path / 'vis.mp4')))


def test_fusion_only_weights_give_the_fused_image_only(checkpoints, tmp_path):
    vis, ir = random_pair((30, 44))
    reference = expected(checkpoints['model'], ir, vis)
    fusion_only = SegMiFInferencer(
        TINY_CONFIG, checkpoints['fusion'], 'cpu', show_progress=False)
    fuse_only = SegMiFInferencer(
        TINY_CONFIG,
        checkpoints['full'],
        'cpu',
        segmentation=False,
        show_progress=False)
    for inferencer in (fusion_only, fuse_only):
        assert not inferencer.with_segmentation
        result = inferencer((ir, vis), out_dir=str(tmp_path), return_vis=True)
        assert set(result['predictions']) == {'fused'}
        np.testing.assert_array_equal(result['predictions']['fused'],
                                      reference['fused'])
        assert result['visualization'].shape[1] == 3 * 44
    assert sorted(p.name for p in tmp_path.iterdir()) == ['fused', 'panel']


def test_model_names_resolve_through_the_model_index(tmp_path):
    with pytest.raises(
            KeyError,
            match=r'No model .*nonexistent.* known: .*'
            'segmif_mit-b3_1xb8-alt8r_fmb-360x360'):
        SegMiFInferencer('nonexistent')
    with pytest.raises(
            ValueError,
            match='segmif_mit-b3_1xb8-alt8r_fmb-'
            '360x360 has no shipped weights'):
        SegMiFInferencer('segmif_mit-b3_1xb8-alt8r_fmb-360x360')


def test_shipped_model_by_name_fuses_a_real_pair(real_data):
    """The model-index name of the shipped weights, and no model at all,
    give the shipped fusion network: the fused image only, equal to the
    fusion API's."""
    name = get_model_by_weights(DEFAULT_FUSION_CHECKPOINT)
    inferencer = SegMiFInferencer(name, device='cpu', show_progress=False)
    assert not inferencer.with_segmentation
    assert SegMiFInferencer.resolve_model(None, None)[1] == \
        SegMiFInferencer.resolve_model(name, None)[1]
    root = real_data / 'roadscene'
    file = sorted(p.name for p in (root / 'vi').iterdir())[0]
    vis = cv2.imread(str(root / 'vi' / file))[:96, :128]
    ir = cv2.imread(str(root / 'ir' / file), cv2.IMREAD_GRAYSCALE)[:96, :128]
    fused = inferencer(dict(ir=ir, vis=vis))['predictions']['fused']
    model = convert_for_cpu_inference(init_fusion_model())
    inputs = np.concatenate([vis[..., ::-1], ir[..., None]], axis=2)
    with torch.no_grad():
        _, reference, _, _ = model.fuse(
            torch.from_numpy(inputs.copy()).permute(2, 0, 1)[None].float() /
            255)
    np.testing.assert_array_equal(
        fused, FusionSegLocalVisualizer.fused_to_uint8(reference[0]))
    assert fused.std() > 10  # an image, not a constant
