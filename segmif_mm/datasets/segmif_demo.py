"""The procedurally generated RGB-T demo dataset."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset


@DATASETS.register_module()
class SegMiFDemoDataset(MultiModalSegDataset):
    """Synthetic day/night street scenes written by
    ``tools/misc/make_demo_data.py``.

    Complementary modalities, so that fusion matters: people are warm and
    bright in the infrared image but nearly invisible in night-time visible
    frames; traffic signs and lane markings are painted, visible in RGB and
    flat (at ambient temperature) in the infrared image. Layout::

        data/segmif_demo/{train,test}/vi/<name>.png      visible RGB
        data/segmif_demo/{train,test}/ir/<name>.png      infrared
        data/segmif_demo/{train,test}/labels/<name>.png  class ids 0-3

    Names are ``<index:05d>D`` (day) or ``<index:05d>N`` (night), as in
    MSRS. Palette: Cityscapes colours of the same classes.

    Args:
        data_prefix (dict): Folders relative to ``data_root``. Defaults to
            the train split.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(
        classes=('background', 'person', 'car', 'traffic sign'),
        palette=[[0, 0, 0], [220, 20, 60], [0, 0, 142], [220, 220, 0]])

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='train/vi',
                     ir_path='train/ir',
                     seg_map_path='train/labels'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)
