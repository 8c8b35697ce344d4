"""One call that readies a model for the inference tools on any device."""
from torch import nn

from .cpu import convert_for_cpu_inference
from .inference_scope import InferenceScope


def prepare_for_inference(model: nn.Module,
                          precision: str = 'fp32',
                          cpu_conversion: bool = True,
                          malloc_tuning: bool = False) -> nn.Module:
    """Convert a CPU model for inference, or set the precision elsewhere.

    On CPU, with ``cpu_conversion``, this is
    :func:`~segmif_mm.deploy.convert_for_cpu_inference` (its default sizes,
    glibc's reuse of freed memory within each pass, or for the whole
    process with ``malloc_tuning``). Otherwise (another device, or the
    plain model kept for comparison) every forward pass of the model only
    runs in ``precision`` (:class:`~segmif_mm.deploy.InferenceScope`).

    Args:
        model (nn.Module): The model, e.g. from
            :func:`segmif_mm.apis.init_model`.
        precision (str): ``'fp32'`` or ``'bf16'``. Defaults to 'fp32'.
        cpu_conversion (bool): Convert a CPU model. Defaults to True.
        malloc_tuning (bool): Keep freed memory for reuse for the rest of
            the process (:func:`~segmif_mm.deploy.tune_malloc_for_inference`)
            instead of within each pass. Defaults to False.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        ValueError: ``malloc_tuning`` without the CPU conversion, or see
            :func:`~segmif_mm.deploy.convert_for_cpu_inference`.
    """
    device_type = next(model.parameters()).device.type
    if device_type == 'cpu' and cpu_conversion:
        return convert_for_cpu_inference(
            model,
            precision=precision,
            memory='process' if malloc_tuning else 'pass')
    if malloc_tuning:
        raise ValueError('malloc tuning is part of the CPU conversion; it '
                         f'does not apply to a model on {device_type} or '
                         'left unconverted.')
    InferenceScope(precision, device_type).attach(model)
    return model.eval()
