import importlib.util
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from mmseg.models.backbones import MixVisionTransformer

TOOL = (
    Path(__file__).parents[2] / 'tools' / 'model_converters' / 'mit2mmseg.py')
spec = importlib.util.spec_from_file_location('mit2mmseg', TOOL)
mit2mmseg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mit2mmseg)

# A tiny MiT: stage widths 32 * heads = 32, 64, 160, 256.
EMBED_DIMS = 32
NUM_HEADS = [1, 2, 5, 8]
NUM_LAYERS = [2, 1, 1, 1]
SR_RATIOS = [8, 4, 2, 1]
PATCH_SIZES = [7, 3, 3, 3]
STRIDES = [4, 2, 2, 2]
MLP_RATIO = 4


def build_mmseg_mit(**kwargs) -> MixVisionTransformer:
    model = MixVisionTransformer(
        in_channels=3,
        embed_dims=EMBED_DIMS,
        num_layers=NUM_LAYERS,
        num_heads=NUM_HEADS,
        sr_ratios=SR_RATIOS,
        mlp_ratio=MLP_RATIO,
        **kwargs)
    return model.eval()


def make_nvlabs_state_dict(seed: int = 0) -> OrderedDict:
    """Random weights named and shaped like NVlabs' mix_transformer.py."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape, std=0.05, mean=0.0):
        return torch.randn(*shape, generator=gen) * std + mean

    state = OrderedDict()
    in_dim = 3
    for s in range(1, 5):
        dim = EMBED_DIMS * NUM_HEADS[s - 1]
        hidden = MLP_RATIO * dim
        p = PATCH_SIZES[s - 1]
        state[f'patch_embed{s}.proj.weight'] = rand(
            dim, in_dim, p, p, std=(in_dim * p * p)**-0.5)
        state[f'patch_embed{s}.proj.bias'] = rand(dim)
        state[f'patch_embed{s}.norm.weight'] = rand(dim, std=0.1, mean=1)
        state[f'patch_embed{s}.norm.bias'] = rand(dim)
        for j in range(NUM_LAYERS[s - 1]):
            b = f'block{s}.{j}.'
            for norm in ('norm1', 'norm2'):
                state[b + norm + '.weight'] = rand(dim, std=0.1, mean=1)
                state[b + norm + '.bias'] = rand(dim)
            state[b + 'attn.q.weight'] = rand(dim, dim, std=dim**-0.5)
            state[b + 'attn.q.bias'] = rand(dim)
            state[b + 'attn.kv.weight'] = rand(2 * dim, dim, std=dim**-0.5)
            state[b + 'attn.kv.bias'] = rand(2 * dim)
            state[b + 'attn.proj.weight'] = rand(dim, dim, std=dim**-0.5)
            state[b + 'attn.proj.bias'] = rand(dim)
            sr = SR_RATIOS[s - 1]
            if sr > 1:
                state[b + 'attn.sr.weight'] = rand(
                    dim, dim, sr, sr, std=(dim * sr * sr)**-0.5)
                state[b + 'attn.sr.bias'] = rand(dim)
                state[b + 'attn.norm.weight'] = rand(dim, std=0.1, mean=1)
                state[b + 'attn.norm.bias'] = rand(dim)
            state[b + 'mlp.fc1.weight'] = rand(hidden, dim, std=dim**-0.5)
            state[b + 'mlp.fc1.bias'] = rand(hidden)
            state[b + 'mlp.dwconv.dwconv.weight'] = rand(
                hidden, 1, 3, 3, std=1 / 3)
            state[b + 'mlp.dwconv.dwconv.bias'] = rand(hidden)
            state[b + 'mlp.fc2.weight'] = rand(dim, hidden, std=hidden**-0.5)
            state[b + 'mlp.fc2.bias'] = rand(dim)
        state[f'norm{s}.weight'] = rand(dim, std=0.1, mean=1)
        state[f'norm{s}.bias'] = rand(dim)
        in_dim = dim
    state['head.weight'] = rand(10, in_dim)
    state['head.bias'] = rand(10)
    return state


def nvlabs_forward(sd: dict, x: torch.Tensor) -> list:
    """Forward pass of NVlabs' MixVisionTransformer, written from its source
    (OverlapPatchEmbed, Attention with q/kv Linear layers, Mlp with DWConv).
    """

    def ln(t, name, eps=1e-6):
        return F.layer_norm(t, t.shape[-1:], sd[name + '.weight'],
                            sd[name + '.bias'], eps)

    def linear(t, name):
        return F.linear(t, sd[name + '.weight'], sd[name + '.bias'])

    outs = []
    for s in range(1, 5):
        x = F.conv2d(
            x,
            sd[f'patch_embed{s}.proj.weight'],
            sd[f'patch_embed{s}.proj.bias'],
            stride=STRIDES[s - 1],
            padding=PATCH_SIZES[s - 1] // 2)
        batch, dim, h, w = x.shape
        # OverlapPatchEmbed uses nn.LayerNorm's default eps.
        x = ln(x.flatten(2).transpose(1, 2), f'patch_embed{s}.norm', 1e-5)
        heads, sr = NUM_HEADS[s - 1], SR_RATIOS[s - 1]
        head_dim = dim // heads
        for j in range(NUM_LAYERS[s - 1]):
            b = f'block{s}.{j}.'
            t = ln(x, b + 'norm1')
            q = linear(t, b + 'attn.q').reshape(batch, -1, heads,
                                                head_dim).permute(0, 2, 1, 3)
            if sr > 1:
                t_ = t.transpose(1, 2).reshape(batch, dim, h, w)
                t_ = F.conv2d(
                    t_,
                    sd[b + 'attn.sr.weight'],
                    sd[b + 'attn.sr.bias'],
                    stride=sr)
                t_ = ln(
                    t_.reshape(batch, dim, -1).transpose(1, 2),
                    b + 'attn.norm')
            else:
                t_ = t
            kv = linear(t_, b + 'attn.kv').reshape(batch, -1, 2, heads,
                                                   head_dim).permute(
                                                       2, 0, 3, 1, 4)
            k, v = kv[0], kv[1]
            attn = ((q @ k.transpose(-2, -1)) * head_dim**-0.5).softmax(-1)
            t = (attn @ v).transpose(1, 2).reshape(batch, -1, dim)
            x = x + linear(t, b + 'attn.proj')

            t = linear(ln(x, b + 'norm2'), b + 'mlp.fc1')
            hidden = t.shape[-1]
            t = t.transpose(1, 2).reshape(batch, hidden, h, w)
            t = F.conv2d(
                t,
                sd[b + 'mlp.dwconv.dwconv.weight'],
                sd[b + 'mlp.dwconv.dwconv.bias'],
                padding=1,
                groups=hidden)
            t = F.gelu(t.flatten(2).transpose(1, 2))
            x = x + linear(t, b + 'mlp.fc2')
        x = ln(x, f'norm{s}')
        x = x.reshape(batch, h, w, dim).permute(0, 3, 1, 2)
        outs.append(x)
    return outs


@pytest.fixture(scope='module')
def nvlabs_state():
    return make_nvlabs_state_dict()


def test_convert_keys_and_values(nvlabs_state):
    converted = mit2mmseg.convert_mit(nvlabs_state)
    model = build_mmseg_mit()
    model.load_state_dict(converted, strict=True)
    sd = nvlabs_state
    b = 'layers.0.1.1.'
    assert torch.equal(
        converted[b + 'attn.attn.in_proj_weight'],
        torch.cat(
            [sd['block1.1.attn.q.weight'], sd['block1.1.attn.kv.weight']]))
    assert torch.equal(converted[b + 'attn.attn.out_proj.bias'],
                       sd['block1.1.attn.proj.bias'])
    assert torch.equal(converted[b + 'ffn.layers.0.weight'][..., 0, 0],
                       sd['block1.1.mlp.fc1.weight'])
    assert torch.equal(converted[b + 'ffn.layers.1.weight'],
                       sd['block1.1.mlp.dwconv.dwconv.weight'])
    assert torch.equal(converted[b + 'ffn.layers.4.weight'][..., 0, 0],
                       sd['block1.1.mlp.fc2.weight'])
    assert torch.equal(converted['layers.3.0.projection.weight'],
                       sd['patch_embed4.proj.weight'])
    assert torch.equal(converted['layers.2.2.bias'], sd['norm3.bias'])
    assert not any(k.startswith('head') for k in converted)


def test_converted_forward_matches_nvlabs(nvlabs_state):
    model = build_mmseg_mit()
    model.load_state_dict(mit2mmseg.convert_mit(nvlabs_state), strict=True)
    img = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        outs = model(img)
        expected = nvlabs_forward(nvlabs_state, img)
    assert [o.shape[1] for o in outs] == [32, 64, 160, 256]
    for out, ref in zip(outs, expected):
        assert out.shape == ref.shape
        assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4)


def test_wrapped_and_segmentation_layouts(nvlabs_state):
    plain = mit2mmseg.convert_mit(nvlabs_state)
    ddp = {'module.' + k: v for k, v in nvlabs_state.items()}
    segmentor = {'backbone.' + k: v for k, v in nvlabs_state.items()}
    segmentor['decode_head.linear_fuse.conv.weight'] = torch.zeros(4, 4, 1, 1)
    for state in (ddp, segmentor):
        converted = mit2mmseg.convert_mit(state)
        assert list(converted) == list(plain)
        assert all(torch.equal(converted[k], plain[k]) for k in plain)


def test_bad_layouts_raise(nvlabs_state):
    error = mit2mmseg.MiTConversionError
    with pytest.raises(error, match='do not belong'):
        mit2mmseg.convert_mit({**nvlabs_state, 'pos_embed': torch.zeros(1)})
    no_kv = {
        k: v
        for k, v in nvlabs_state.items() if k != 'block2.0.attn.kv.weight'
    }
    with pytest.raises(error, match='no matching'):
        mit2mmseg.convert_mit(no_kv)
    with pytest.raises(error, match='no conversion'):
        mit2mmseg.convert_mit(build_mmseg_mit().state_dict())
    with pytest.raises(error, match='no MiT weights'):
        mit2mmseg.convert_mit({'head.weight': torch.zeros(1)})


def test_cli_round_trip(nvlabs_state, tmp_path):
    src = tmp_path / 'mit_tiny.pth'
    dst = tmp_path / 'out' / 'mit_tiny_mmseg.pth'
    torch.save({'state_dict': nvlabs_state}, src)
    subprocess.run(
        [sys.executable, str(TOOL),
         str(src), str(dst)],
        check=True,
        capture_output=True)
    direct = build_mmseg_mit()
    direct.load_state_dict(mit2mmseg.convert_mit(nvlabs_state), strict=True)
    pretrained = build_mmseg_mit(
        init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    pretrained.init_weights()
    pretrained.eval()
    img = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        for a, b in zip(direct(img), pretrained(img)):
            assert torch.equal(a, b)

    missing = tmp_path / 'missing.pth'
    result = subprocess.run(
        [sys.executable, str(TOOL),
         str(missing), str(dst)],
        capture_output=True,
        text=True)
    assert result.returncode != 0
    assert str(missing) in result.stderr and 'does not exist' in result.stderr
