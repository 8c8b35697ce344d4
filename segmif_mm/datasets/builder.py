"""Build the dataset of one split of a config."""
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS


def build_split_dataset(cfg: Config, split: str):
    """The dataset of ``cfg.<split>_dataloader``, built in the config's
    default scope (wrappers such as ``RepeatDataset`` included).

    Args:
        cfg (Config): A config with ``<split>_dataloader.dataset``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Raises:
        KeyError: The config has no such dataset.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg or 'dataset' not in loader_cfg:
        raise KeyError(f'The config has no {split}_dataloader.dataset.')
    return DATASETS.build(loader_cfg.dataset)
