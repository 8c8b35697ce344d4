"""PST900 (Penn Subterranean Thermal) dataset."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset


@DATASETS.register_module()
class PST900Dataset(MultiModalSegDataset):
    """PST900 RGB-T (Shivakumar et al., ICRA 2020).

    885 registered 1280x720 subterranean pairs (597 train / 288 test), 4
    object classes plus background. The palette is the authors' toolkit
    colour map (written there in OpenCV's B, G, R order, given here as
    R, G, B)::

        data/PST900/{train,test}/rgb/<name>.png      visible RGB
        data/PST900/{train,test}/thermal/<name>.png  thermal, 8-bit AGC
        data/PST900/{train,test}/labels/<name>.png   class ids 0-4

    The release also has ``thermal_raw/`` (16-bit); point
    ``data_prefix.ir_path`` there to use it, ``LoadMultiModalImages``
    scales it to 8 bit.

    Args:
        data_prefix (dict): Folders relative to ``data_root``. Defaults to
            the train split.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(
        classes=('background', 'fire_extinguisher', 'backpack', 'hand_drill',
                 'survivor'),
        palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255],
                 [255, 255, 255]])

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='train/rgb',
                     ir_path='train/thermal',
                     seg_map_path='train/labels'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)
