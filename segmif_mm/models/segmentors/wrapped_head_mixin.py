from typing import List

from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmseg.utils import SampleList, add_prefix


class WrappedHeadMixin:
    """Run an ``EncoderDecoder``'s heads through ``forward`` when wrapped.

    ``MMSeparateDistributedDataParallel`` (used when the model has several
    optimizers) wraps every submodule in DDP, and DDP synchronises the
    gradients only of computations run through its ``forward``. mmseg's
    ``EncoderDecoder`` calls ``head.loss`` and ``head.predict`` directly;
    this mixin calls ``head(feats)`` followed by ``loss_by_feat`` /
    ``predict_by_feat`` on a wrapped head (what ``BaseDecodeHead.loss`` and
    ``predict`` do), and the head's own methods otherwise.

    Mix it in before ``EncoderDecoder``:
    ``class SegMiF(WrappedHeadMixin, EncoderDecoder)``.
    """

    def _head_loss(self, head: nn.Module, feats: List[Tensor],
                   data_samples: SampleList) -> dict:
        """``head.loss``, through ``forward`` when the head is wrapped."""
        if is_model_wrapper(head):
            return head.module.loss_by_feat(head(feats), data_samples)
        return head.loss(feats, data_samples, self.train_cfg)

    def _decode_head_forward_train(self, inputs: List[Tensor],
                                   data_samples: SampleList) -> dict:
        """Decode head losses, prefixed ``decode.``."""
        return add_prefix(
            self._head_loss(self.decode_head, inputs, data_samples), 'decode')

    def _auxiliary_head_forward_train(self, inputs: List[Tensor],
                                      data_samples: SampleList) -> dict:
        """Auxiliary head losses, prefixed ``aux.`` or ``aux_{i}.``."""
        if isinstance(self.auxiliary_head, nn.ModuleList):
            losses = dict()
            for idx, aux_head in enumerate(self.auxiliary_head):
                losses.update(
                    add_prefix(
                        self._head_loss(aux_head, inputs, data_samples),
                        f'aux_{idx}'))
            return losses
        return add_prefix(
            self._head_loss(self.auxiliary_head, inputs, data_samples), 'aux')

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Segment images; logits at the input size.

        Args:
            inputs (Tensor): Images ``[B, C, H, W]`` as ``extract_feat``
                takes them.
            batch_img_metas (list[dict]): Meta information of each image.

        Returns:
            Tensor: Logits ``[B, K, H, W]``.
        """
        feats = self.extract_feat(inputs)
        if is_model_wrapper(self.decode_head):
            return self.decode_head.module.predict_by_feat(
                self.decode_head(feats), batch_img_metas)
        return self.decode_head.predict(feats, batch_img_metas, self.test_cfg)
